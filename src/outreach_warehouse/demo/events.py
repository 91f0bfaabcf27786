"""Events: what the email provider reports for each message (delivery, bounces, opens, clicks, replies,
unsubscribes, spam complaints), late arrivals for messages of any age, webhook retries, and bad input among
them (unknown types, events before the send or in the future, unknown or malformed message ids)."""

from __future__ import annotations

# an increment regenerates the regular events of the messages sent this long before its window only: they and
# their webhook retries arrive within 60 days of the send (see g_events). Late arrivals reach messages of any age
INCREMENT_LOOKBACK_DAYS = 70
# late arrivals, what providers send for old messages of any age: an open or click of an old email, a late reply,
# an unsubscribe, a spam complaint, or a webhook replaying an old event. Each delivered message draws a sequence of
# them (from two days after its delivery, exponential gaps of this mean, at most three), so a day's extract carries
# late events for about 1/LATE_ARRIVAL_MEAN_DAYS of the messages, whatever their age: with the day's new messages
# and their events, a day changes 2-3% of the messages and touches most tenants' billing periods
LATE_ARRIVAL_MEAN_DAYS = 150

# (name, statement): each statement creates one temp table or view, in dependency order.
STATEMENTS: tuple[tuple[str, str], ...] = (
    (
        "g_events",
        """
create or replace temp table g_events as
with messages as materialized (
    -- every message of the history: its late arrivals can come at any age; its regular events are generated
    -- only when it is recent enough (an increment's cutoff) to have some in the extract
    select
        _key as k,
        sent_at,
        _real_time as real_time,
        _kind as kind,
        _forced_event as forced_event,
        _forced_at as forced_at,
        rnd('fate', _key) as u_fate,
        _real_time >= getvariable('cutoff') as recent
    from g_messages
    where _has_events
),

fated as (
    -- what the provider reports: silence, a soft bounce (retried or not), a hard bounce, or delivery
    select
        *,
        case
            when forced_event = 'bounced' then 'hard_bounce'
            when forced_event is not null then 'delivered'
            when u_fate < 0.025 then 'silent'
            when u_fate < 0.025 + case when kind = 'campaign' then 0.01 else 0.003 end then 'soft_bounce'
            when u_fate < 0.025 + case when kind = 'campaign' then 0.02 else 0.006 end then 'soft_bounce_then_delivered'
            when u_fate < 0.028 + case when kind = 'campaign' then 0.02 else 0.006 end then 'hard_bounce'
            else 'delivered'
        end as fate
    from messages
),

delivered as materialized (
    select
        *,
        case
            -- a provider clock a little behind: delivered up to an hour before the send (clock skew)
            when rnd('clock_skew', k) < 0.002 then sent_at - seconds(60 + rnd('skew_by', k) * 3480)
            when fate = 'soft_bounce_then_delivered' then sent_at + seconds(3600 + rnd('redelivery', k) * 7 * 3600)
            else sent_at + seconds(2 + rnd('delivery', k) * 598)
        end as delivered_at
    from fated
    where fate in ('delivered', 'soft_bounce_then_delivered')
),

late as materialized (
    -- late arrivals for a delivered message of any age: from two days after delivery, exponential gaps
    -- (mean late_mean_days), at most three; an open, click, reply, unsubscribe, spam complaint, or a webhook
    -- replaying the delivered event (warmup mail is only opened, replied to or replayed)
    select
        k, sent_at, real_time, j,
        case
            when rnd('late_kind', k * 4 + j) < 0.50 then 'opened'
            when rnd('late_kind', k * 4 + j) < 0.65 then case when kind = 'campaign' then 'clicked' else 'opened' end
            when rnd('late_kind', k * 4 + j) < 0.67 then 'replied'
            when rnd('late_kind', k * 4 + j) < 0.69 then case when kind = 'campaign' then 'unsubscribed' else 'opened' end
            when rnd('late_kind', k * 4 + j) < 0.6915 then case when kind = 'campaign' then 'spam_complaint' else 'opened' end
            else 'retry'
        end as late_kind,
        delivered_at,
        late_at
    from (
        select
            *,
            delivered_at + interval 2 day + days(
                - getvariable('late_mean_days') * ln(1 - rnd('late_gap', k * 4 + 1))
                - case when j >= 2 then getvariable('late_mean_days') * ln(1 - rnd('late_gap', k * 4 + 2)) else 0 end
                - case when j >= 3 then getvariable('late_mean_days') * ln(1 - rnd('late_gap', k * 4 + 3)) else 0 end
            ) as late_at
        from (select *, unnest(range(1, 4)) as j from delivered)
    )
    where late_at <= getvariable('horizon')
),

opened as materialized (
    -- opens: most within a day, some within a week, a few weeks later (late events for old periods; the late
    -- arrivals add more at any age);
    -- security scanners open within seconds (bot flagged; is_bot is sometimes unknown)
    select
        k, sent_at, real_time,
        rnd('bot', k) as u_bot,
        case
            when rnd('bot', k) < 0.12 then delivered_at + seconds(1 + rnd('open_delay', k) * 90)
            when rnd('open_tail', k) < 0.7 then delivered_at + seconds(60 + pow(rnd('open_delay', k), 2) * 86400)
            when rnd('open_tail', k) < 0.95 then delivered_at + days(1 + rnd('open_delay', k) * 6)
            else delivered_at + days(7 + rnd('open_delay', k) * 33)
        end as opened_at
    from delivered
    where recent and (rnd('open', k) < 0.37 or (forced_event = 'replied' and rnd('open', k) < 0.9))
),

regular as (
    select k, sent_at, real_time, 0 as slot, 'delivered' as event_type, delivered_at as occurred_at,
        cast(null as varchar) as bounce_type, false as is_bot
    from delivered
    where recent
    union all
    select k, sent_at, real_time, 1, 'bounced', sent_at + seconds(10 + rnd('bounce_at', k) * 590),
        case when fate = 'hard_bounce' then 'hard' else 'soft' end, false
    from fated
    where recent and fate in ('hard_bounce', 'soft_bounce', 'soft_bounce_then_delivered')
    union all
    select k, sent_at, real_time, 2, 'opened', opened_at, null,
        case when u_bot < 0.12 then true when u_bot < 0.22 then null else false end
    from opened
    union all
    select k, sent_at, real_time, 3, 'opened', opened_at + seconds(600 + rnd('reopen_at', k) * 3 * 86400), null,
        case when rnd('reopen_bot', k) < 0.1 then null else false end
    from opened
    where rnd('reopen', k) < 0.6
    union all
    select k, sent_at, real_time, 4, 'opened', opened_at + seconds(3600 + rnd('reopen2_at', k) * 5 * 86400), null, false
    from opened
    where rnd('reopen', k) < 0.3
    union all
    select k, sent_at, real_time, 5, 'clicked', opened_at + seconds(5 + rnd('click_at', k) * 7200), null,
        rnd('click_bot', k) < 0.05
    from opened
    where rnd('click', k) < 0.24
    union all
    select k, sent_at, real_time, 6, 'clicked', opened_at + seconds(600 + rnd('click2_at', k) * 86400), null, false
    from opened
    where rnd('click', k) < 0.07
    union all
    select k, sent_at, real_time, 7, 'replied',
        case when kind = 'campaign' then greatest(forced_at, delivered_at + interval 1 minute)
            else delivered_at + seconds(600 + rnd('warmup_reply_at', k) * 86400) end,
        null, false
    from delivered
    where recent and forced_event = 'replied'
    union all
    select k, sent_at, real_time, 8, 'unsubscribed', greatest(forced_at, delivered_at + interval 1 minute), null, false
    from delivered
    where recent and forced_event = 'unsubscribed'
    union all
    select k, sent_at, real_time, 9, 'spam_complaint', delivered_at + seconds(3600 + rnd('spam_at', k) * 3 * 86400),
        null, false
    from delivered
    where recent and rnd('spam', k) < 0.001
    -- bad input (models/docs/rules_sources_and_bad_input.md)
    union all
    select k, sent_at, real_time, 10, ['deferred', 'processed', 'dropped'][1 + pick('unknown_event', k, 3)],
        sent_at + seconds(1 + rnd('unknown_at', k) * 300), null, false
    from messages
    where recent and rnd('unknown_type', k) < 0.005
    union all
    select k, sent_at, real_time, 11, 'opened', sent_at - seconds(7200 + rnd('before_by', k) * 46 * 3600), null, false
    from messages
    where recent and rnd('before_message', k) < 0.001
    union all
    select k, sent_at, real_time, 12, 'clicked',
        cast('2099-01-01 00:00:00+00' as timestamptz) + seconds(rnd('future_at', k) * 300 * 86400), null, false
    from messages
    where recent and rnd('future_event', k) < 0.0005
    union all
    -- slots 13 to 15 carry a message id that is not the message's: unknown, null, malformed
    select k, sent_at, real_time, 13, 'opened', sent_at + seconds(60 + rnd('ghost_at', k) * 86400), null, false
    from messages
    where recent and rnd('ghost_message', k) < 0.002
    union all
    select k, sent_at, real_time, 14, 'delivered', sent_at + seconds(2 + rnd('null_at', k) * 600), null, false
    from messages
    where recent and rnd('null_message', k) < 0.001
    union all
    select k, sent_at, real_time, 15, 'opened', sent_at + seconds(60 + rnd('malformed_at', k) * 86400), null, false
    from messages
    where recent and rnd('malformed_message', k) < 0.0005
),

events as (
    select *, cast(null as varchar) as late_kind, cast(null as timestamptz) as late_at from regular
    union all
    -- a late open, click, reply, unsubscribe or complaint is a new provider event (slots 16 to 18); a late
    -- replay copies the delivered event (slot 0), its id included
    select
        k, sent_at, real_time,
        case when late_kind = 'retry' then 0 else 15 + j end,
        case when late_kind = 'retry' then 'delivered' else late_kind end,
        case when late_kind = 'retry' then delivered_at else late_at - seconds(5 + rnd('late_received', k * 4 + j) * 300) end,
        null,
        case when late_kind = 'opened' and rnd('late_bot', k * 4 + j) < 0.1 then null else false end,
        late_kind,
        late_at
    from late
),

keyed as (
    -- the key of an event's draws and id: k * 16 + slot for a message's regular events (a replay keeps its
    -- event's key), another range for late arrivals
    select *, case when slot < 16 then k * 16 + slot else -(k * 4 + slot - 15) end as ek
    from events
),

shaped as (
    select
        k,
        slot,
        ek,
        event_type as _event_type,
        maybe_messy(event_type, 'event_messy', ek, 0.006) as event_type,
        occurred_at,
        bounce_type,
        is_bot,
        -- the webhook arrives seconds after the event, and never before the send really happened; a late
        -- arrival when it is drawn
        case
            when late_at is not null then late_at
            when occurred_at > real_time + interval 90 day then real_time + seconds(1 + rnd('received', ek) * 300)
            else greatest(occurred_at, real_time) + seconds(1 + rnd('received', ek) * 120)
        end as received_at,
        rnd('payload_malformed', ek) < 0.002 as _payload_malformed,
        sent_at as _message_sent_at,
        late_kind = 'retry' as _late_replay
    from keyed
),

retried as (
    -- webhook retries: the same provider event again, minutes later or days later (a later extract)
    select *, coalesce(_late_replay, false) as _is_retry from shaped
    union all
    select
        * replace (
            received_at + case
                when rnd('retry_late', ek) < 0.5 then seconds(60 + rnd('retry_after', ek) * 1800)
                else days(1 + rnd('retry_after', ek) * 9)
            end as received_at
        ),
        true
    from shaped
    where rnd('retry', ek) < 0.008 and _late_replay is null
)

select *, extract_after(received_at) as _extracted_at
from retried
""",
    ),
    (
        "email_events_out",
        """
create or replace temp view email_events_out as
select
    case when ek >= 0 then uid('event', ek) else uid('late_event', -ek) end as id,
    case slot
        when 13 then uid('ghost_message', k)
        when 14 then null
        when 15 then ['undefined', 'null', left(uid('message', k), 23)][1 + pick('malformed_id', k, 3)]
        else uid('message', k)
    end as message_id,
    event_type,
    occurred_at,
    bounce_type,
    is_bot,
    '{"provider": "' || case when k % 3 = 0 then 'ses' else 'sendgrid' end || '", "event": '
        || case when _payload_malformed then ''
            else '"' || _event_type || '", "smtp_id": "<' || substr(id, 25, 12) || '@mail.example>"}' end as payload,
    received_at,
    _extracted_at
from g_events
""",
    ),
)
