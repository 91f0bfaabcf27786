"""Campaigns and messages: the leads, the campaigns and their sequence steps, the enrolments of leads in
campaigns (campaign_leads) and their outcomes, and the messages they send, with the warm-up messages of the
mailboxes beside them; bad input among the messages (unknown tenants, mailboxes, types, ...)."""

from __future__ import annotations

from outreach_warehouse.demo.shared import LATEST_VERSION_PER_EXTRACT

# share of the messages sent by campaigns; the rest are warm-up messages
CAMPAIGN_SHARE = 0.8
# share of an enrolment's email steps that are sent before the as-of (outcomes stop sequences early,
# and enrolments near the as-of have later steps still to come); calibrates --messages
SENT_STEP_SHARE = 0.85

# (name, statement): each statement creates one temp table or view, in dependency order.
STATEMENTS: tuple[tuple[str, str], ...] = (
    (
        "g_leads",
        """
create or replace temp table g_leads as
with per_tenant as (
    select
        t,
        id as tenant_id,
        created,
        active_from,
        deleted,
        cast(ceil(0.85 * leads) as bigint) as imported,
        unnest(range(leads)) as l
    from g_tenants
)

-- most leads are imported in three batches during the first week; the rest trickle in, also after
-- the as-of (new leads in later extracts)
select
    t * 16777216 + l as lead_key,
    t,
    l,
    tenant_id,
    deleted,
    case
        when l < imported then created + seconds((1 + 3 * (l % 3)) * 86400 + rnd('lead_created', t * 16777216 + l) * 21600)
        else active_from + interval 12 day + seconds(
            rnd('lead_created', t * 16777216 + l)
            * (epoch(getvariable('as_of')) + 30 * 86400 - epoch(active_from + interval 12 day))
        )
    end as created
from per_tenant
""",
    ),
    (
        "g_campaigns",
        """
create or replace temp table g_campaigns as
with campaigns as (
    -- each tenant creates its campaigns one after another over about a hundred days
    select
        g.t * 64 + j as campaign_key,
        g.t,
        j,
        g.id as tenant_id,
        g.deleted,
        cast(ceil(0.85 * g.leads) as bigint) as leads_imported,
        uid('company', g.t * 8 + j % g.companies) as company_id,
        greatest(g.created, getvariable('history_start') - interval 20 day) + interval 10 day
            + days((j + rnd('campaign_created', g.t * 64 + j)) * 100 / g.campaigns) as created,
        rnd('campaign_draft', g.t * 64 + j) < 0.06 as is_draft,
        14 + rnd('campaign_window', g.t * 64 + j) * 31 as window_days,
        50 + pick('campaign_intensity', g.t * 64 + j, 101) as intensity,
        ['Q1 outbound', 'Founders intro', 'Webinar follow-up', 'Partner program', 'Re-engagement',
         'Product launch', 'Cold intro', 'Case study', 'Event invite', 'Pricing update'][1 + pick('campaign_name', g.t * 64 + j, 10)]
            as theme
    from g_tenants as g, range(40) as r (j)
    where j < g.campaigns
),

scheduled as (
    select
        *,
        case when not is_draft then created + days(1 + rnd('campaign_scheduled', campaign_key) * 2) end as scheduled,
        case
            when not is_draft and rnd('campaign_paused', campaign_key) < 0.1
                then created + days(1 + rnd('campaign_scheduled', campaign_key) * 2)
                    + days(rnd('campaign_paused_at', campaign_key) * window_days)
        end as paused_at
    from campaigns
),

eligible as (
    -- campaigns send from mailboxes that existed when they were created
    select c.campaign_key, count(*) as sending_mailboxes
    from scheduled as c
    inner join g_mailboxes as m on c.t = m.t and m.created <= c.created
    group by c.campaign_key
)

select
    scheduled.*,
    row_number() over (order by scheduled.created, scheduled.campaign_key) - 1 as ordinal,
    uid('campaign', scheduled.campaign_key) as id,
    greatest(1, coalesce(eligible.sending_mailboxes, 0)) as sending_mailboxes
from scheduled
left join eligible on scheduled.campaign_key = eligible.campaign_key
-- a deleted tenant creates no more campaigns
where before_deletion(scheduled.created, scheduled.deleted)
""",
    ),
    (
        "g_steps",
        """
create or replace temp table g_steps as
with steps as (
    -- three to seven steps: first and last send an email; between them waits, conditions and emails
    select
        c.campaign_key * 8 + k as step_key,
        c.campaign_key,
        c.t,
        c.created,
        c.deleted,
        c.sending_mailboxes,
        k,
        case
            when k = 0 or k = c.steps - 1 then 'email'
            when rnd('step_type', c.campaign_key * 8 + k) < 0.45 then 'wait'
            when rnd('step_type', c.campaign_key * 8 + k) < 0.6 then 'condition'
            else 'email'
        end as step_type
    from (select *, 3 + pick('steps', campaign_key, 5) as steps from g_campaigns) as c, range(7) as r (k)
    where k < c.steps
),

timed as (
    select
        *,
        24 * (1 + pick('wait_days', step_key, 4)) + 12 * pick('wait_half', step_key, 2) as wait_hours,
        case when step_type = 'email' and rnd('step_mailbox', step_key) < 0.5 then
            t * 64 + pick('step_mailbox_pick', step_key, sending_mailboxes)
        end as mailbox_key
    from steps
)

select
    *,
    uid('step', step_key) as id,
    case when step_type = 'wait' then wait_hours when step_type = 'email' then 0 end as wait_duration_hours,
    -- an email step is followed by a day's pause, a wait step by its duration
    cast(coalesce(sum(case step_type when 'wait' then wait_hours when 'email' then 24 else 0 end) over (
        partition by campaign_key order by k rows between unbounded preceding and 1 preceding
    ), 0) as integer) as offset_hours,
    case when step_type = 'email' then
        cast(sum(case when step_type = 'email' then 1 else 0 end) over (partition by campaign_key order by k) as integer)
    end as email_no
from timed
""",
    ),
    (
        "campaign_sequence_steps_out",
        """
create or replace temp table campaign_sequence_steps_out as
select
    id,
    uid('campaign', campaign_key) as campaign_id,
    k + 1 as step_order,
    step_type,
    case when mailbox_key is not null then uid('mailbox', mailbox_key) end as email_account_id,
    case when step_type = 'email' then uid('template', step_key) end as template_id,
    case when step_type = 'email' and rnd('subject', step_key) < 0.3 then
        ['Quick question', 'Following up', 'Re: our chat', 'One more idea', 'Worth a look?'][1 + pick('subject_pick', step_key, 5)]
    end as subject_override,
    wait_duration_hours,
    step_type = 'email' or rnd('step_inactive', step_key) >= 0.03 as is_active,
    created + to_minutes(k) as created,
    created + to_minutes(k) as updated,
    extract_after(created + to_minutes(k)) as _extracted_at
from g_steps
""",
    ),
    (
        "g_campaign_volumes",
        """
create or replace temp table g_campaign_volumes as
with sequences as (
    select
        campaign_key,
        count(*) filter (where step_type = 'email') as email_steps,
        list(offset_hours order by email_no) filter (where step_type = 'email') as email_offsets,
        list(k + 1 order by email_no) filter (where step_type = 'email') as email_step_orders
    from g_steps
    group by campaign_key
),

windows as (
    -- leads are enrolled evenly over the campaign's window, until it ends or is paused
    select
        c.*,
        s.email_steps,
        s.email_offsets,
        s.email_step_orders,
        cast(floor((epoch(least(c.scheduled + days(c.window_days), coalesce(c.paused_at, 'infinity')))
            - epoch(c.scheduled)) / 60) as bigint) as window_minutes,
        cast(greatest(0, floor((epoch(least(
            c.scheduled + days(c.window_days),
            coalesce(c.paused_at, 'infinity'),
            coalesce(c.deleted, 'infinity'),
            getvariable('as_of')
        )) - epoch(c.scheduled)) / 60)) as bigint) as minutes_before_as_of
    from g_campaigns as c
    inner join sequences as s on c.campaign_key = s.campaign_key
    where not c.is_draft
),

weights as (
    -- integer sums: the scale is the same whatever the order of the parallel aggregation
    select sum(intensity * minutes_before_as_of * email_steps) as weight from windows
)

select
    windows.*,
    cast(least(
        windows.leads_imported,
        round(
            getvariable('campaign_messages') * windows.intensity * windows.window_minutes
            / (nullif(weights.weight, 0) * getvariable('sent_step_share'))
        )
    ) as bigint) as enrolments
from windows, weights
""",
    ),
    (
        "g_enrolments",
        """
create or replace temp table g_enrolments as
with enrolled as (
    select
        c.campaign_key * 16777216 + e as enrolment_key,
        c.*,
        e,
        c.scheduled + seconds((e + rnd('enrolled', c.campaign_key * 16777216 + e)) / c.enrolments * c.window_minutes * 60)
            as enrolled
    from (select *, unnest(range(enrolments)) as e from g_campaign_volumes where enrolments > 0) as c
),

drawn as (
    select
        *,
        t * 16777216 + (pick('lead_offset', campaign_key, leads_imported) + e) % leads_imported as lead_key,
        seconds(300 + rnd('queue_delay', enrolment_key) * 10500) as queue_delay,
        rnd('outcome', enrolment_key) as u_outcome,
        1 + pick('outcome_step', enrolment_key, email_steps) as outcome_no
    from enrolled
),

outcomes as (
    select
        *,
        case
            when u_outcome < 0.02 then 'queued'
            when u_outcome < 0.04 then 'bounced'
            when u_outcome < 0.105 then 'replied'
            when u_outcome < 0.12 then 'unsubscribed'
            when u_outcome < 0.155 then 'stopped'
            else 'completed'
        end as outcome
    from drawn
),

sequenced as (
    select
        *,
        case outcome when 'queued' then 0 when 'bounced' then 1 when 'completed' then email_steps else outcome_no end
            as last_email_no,
        -- when the email step of the outcome is sent, and the hours until the next one
        enrolled + queue_delay
            + to_hours(email_offsets[case outcome when 'bounced' then 1 when 'completed' then email_steps else outcome_no end])
            + seconds(rnd('send_jitter', enrolment_key * 8
                + case outcome when 'bounced' then 1 when 'completed' then email_steps else outcome_no end) * 5400)
            as outcome_send,
        case when outcome_no < email_steps then email_offsets[outcome_no + 1] - email_offsets[outcome_no] end
            as hours_to_next
    from outcomes
),

timed as (
    select
        *,
        case outcome
            when 'bounced' then outcome_send + seconds(30 + rnd('outcome_at', enrolment_key) * 570)
            when 'replied' then outcome_send + case
                when hours_to_next is not null
                    then seconds((0.05 + 0.85 * rnd('outcome_at', enrolment_key)) * hours_to_next * 3600)
                when rnd('late_reply', enrolment_key) < 0.15 then days(7 + rnd('outcome_at', enrolment_key) * 23)
                else seconds(3600 + rnd('outcome_at', enrolment_key) * 6 * 86400)
            end
            when 'unsubscribed' then outcome_send
                + seconds(3600 + rnd('outcome_at', enrolment_key) * (least(coalesce(hours_to_next, 48), 48) - 1) * 3600)
            when 'stopped' then outcome_send
                + seconds(7200 + rnd('outcome_at', enrolment_key) * (coalesce(hours_to_next, 72) - 2) * 3600)
            when 'completed' then outcome_send + interval 1 day
        end as outcome_at
    from sequenced
)

select
    enrolment_key,
    campaign_key,
    t,
    lead_key,
    t * 64 + pick('pool_mailbox', enrolment_key, sending_mailboxes) as pool_mailbox_key,
    enrolled,
    queue_delay,
    outcome,
    outcome_no,
    last_email_no,
    outcome_at,
    -- a paused campaign, or a deleted tenant, no longer updates its enrolments
    coalesce(outcome_at < coalesce(paused_at, 'infinity') and before_deletion(outcome_at, deleted), false)
        as is_outcome_recorded,
    email_step_orders[greatest(last_email_no, 1)] as last_step_order,
    email_step_orders[1] as first_step_order,
    paused_at,
    deleted
from timed
""",
    ),
    (
        "campaigns_out",
        """
create or replace temp table campaigns_out as
with ends as (
    select
        c.*,
        v.scheduled + days(v.window_days) + to_hours(v.email_offsets[v.email_steps]) + interval 2 day as completed_at
    from g_campaigns as c
    left join g_campaign_volumes as v on c.campaign_key = v.campaign_key
),

versions as (
    select *, 0 as v, case when is_draft then 'draft' else 'scheduled' end as status_value, created as updated
    from ends
    union all
    select *, 1, 'sending', scheduled from ends where not is_draft
    union all
    select *, 2, 'paused', paused_at from ends where paused_at is not null
    union all
    select *, 2, 'completed', completed_at from ends where not is_draft and paused_at is null
)

select
    id,
    tenant_id,
    company_id,
    theme || ' #' || (j + 1) as name,
    'Sequence "' || theme || '" for '
        || ['founders', 'heads of sales', 'marketing leads', 'CTOs'][1 + pick('audience', campaign_key, 4)] as description,
    -- a status left over from an old OLTP version, out of today's vocabulary
    case
        when ordinal % 53 = 7 then 'archived_legacy'
        else maybe_messy(status_value, 'campaign_messy', campaign_key * 4 + v, 0.03)
    end as status,
    scheduled,
    case when status_value = 'completed' then updated end as completed,
    created,
    updated,
""" + LATEST_VERSION_PER_EXTRACT,
    ),
    (
        "g_enrolment_versions",
        """
create or replace temp table g_enrolment_versions as
with ends as (
    select
        *,
        is_outcome_recorded and outcome != 'queued' and before_deletion(outcome_at, deleted) as has_end,
        outcome = 'stopped' and rnd('on_hold', enrolment_key) < 0.03 as is_on_hold
    from g_enrolments
),

versions as (
    -- the enrolment, then its end (a second version, unless the same extract copies only the end)
    select
        enrolment_key, campaign_key, lead_key, 0 as v,
        case when outcome = 'queued' then 'queued' else 'active' end as status_value,
        case when outcome = 'queued' then 0 else first_step_order end as current_step_order,
        enrolled,
        cast(null as timestamptz) as completed,
        enrolled as updated
    from ends
    where before_deletion(enrolled, deleted)
        and not (has_end and extract_after(outcome_at) = extract_after(enrolled))
    union all
    select
        enrolment_key, campaign_key, lead_key, 1,
        case when is_on_hold then 'on_hold' else outcome end,
        last_step_order,
        enrolled,
        case when outcome in ('completed', 'replied') then outcome_at end,
        outcome_at
    from ends
    where has_end
)

select
    *,
    case when status_value = 'on_hold' then status_value
        else maybe_messy(status_value, 'enrolment_messy', enrolment_key * 2 + v, 0.02) end as status,
    extract_after(updated) as _extracted_at
from versions
""",
    ),
    (
        "campaign_leads_out",
        """
create or replace temp view campaign_leads_out as
select
    uid('campaign', campaign_key) as campaign_id,
    uid('lead', lead_key) as lead_id,
    status,
    current_step_order,
    enrolled,
    completed,
    updated,
    _extracted_at
from g_enrolment_versions
""",
    ),
    (
        "g_lead_versions",
        """
create or replace temp table g_lead_versions as
with lead_ends as (
    -- a lead that bounced or unsubscribed in any campaign changes status once, at the first time
    select lead_key, outcome, outcome_at
    from g_enrolments
    where outcome in ('bounced', 'unsubscribed') and is_outcome_recorded
    qualify row_number() over (partition by lead_key order by outcome_at, enrolment_key) = 1
),

leads as (
    select l.*, o.outcome, o.outcome_at
    from g_leads as l
    left join lead_ends as o on l.lead_key = o.lead_key
),

versions as (
    select lead_key, t, l, 0 as v, 'active' as status_value, created, created as updated
    from leads
    where before_deletion(created, deleted)
        and not (outcome is not null and extract_after(outcome_at) = extract_after(created))
    union all
    select lead_key, t, l, 1, outcome, created, outcome_at
    from leads
    where outcome is not null and before_deletion(outcome_at, deleted)
)

select
    *,
    maybe_messy(status_value, 'lead_messy', lead_key * 2 + v, 0.01) as status,
    extract_after(updated) as _extracted_at
from versions
""",
    ),
    (
        "leads_out",
        """
create or replace temp view leads_out as
with named as (
    select
        *,
        ['Ava', 'Liam', 'Noah', 'Emma', 'Mia', 'Lucas', 'Zoe', 'Omar', 'Yuki', 'Priya', 'Mateo', 'Chloe',
         'Ethan', 'Sara', 'Leo', 'Nina', 'Ivan', 'Aisha', 'Jonas', 'Elena'][1 + pick('first_name', lead_key, 20)]
            as first_name,
        ['Smith', 'Garcia', 'Kim', 'Muller', 'Rossi', 'Nguyen', 'Khan', 'Silva', 'Novak', 'Cohen', 'Dubois',
         'Tanaka', 'Larsen', 'Ortiz', 'Patel', 'Brown', 'Weber', 'Moreau', 'Costa', 'Berg'][1 + pick('last_name', lead_key, 20)]
            as last_name,
        ['Blue Harbor', 'Quantum Leaf', 'Red Rock', 'Silver Pine', 'Bright Path', 'Iron Gate', 'Green Field',
         'North Star', 'Open Loop', 'Clear Sky'][1 + pick('lead_company', lead_key, 10)] as company_brand
    from g_lead_versions
)

select
    uid('lead', lead_key) as id,
    uid('tenant', t) as tenant_id,
    lower(first_name) || '.' || lower(last_name) || '.' || l || '@' || lower(replace(company_brand, ' ', '')) || '.example'
        as email,
    first_name || ' ' || last_name as name,
    company_brand || ' ' || ['Inc', 'LLC', 'GmbH', 'Ltd', 'SA', 'BV'][1 + pick('lead_company_suffix', lead_key, 6)]
        as company,
    status,
    created,
    updated,
    _extracted_at
from named
""",
    ),
    (
        "g_messages",
        """
create or replace temp table g_messages as
with campaign_sends as (
    -- an enrolment sends its email steps in order until its outcome
    select
        e.enrolment_key * 8 + e.email_no as message_key,
        'campaign' as kind,
        e.t,
        e.campaign_key,
        s.step_key,
        e.lead_key,
        coalesce(s.mailbox_key, e.pool_mailbox_key) as mailbox_key,
        e.enrolled + e.queue_delay + to_hours(s.offset_hours)
            + seconds(rnd('send_jitter', e.enrolment_key * 8 + e.email_no) * 5400) as real_time,
        case
            when e.outcome = 'bounced' and e.email_no = 1 then 'bounced'
            when e.outcome in ('replied', 'unsubscribed') and e.email_no = e.outcome_no then e.outcome
        end as forced_event,
        e.outcome_at as forced_at,
        e.paused_at
    from (select *, unnest(range(1, last_email_no + 1)) as email_no from g_enrolments) as e
    inner join g_steps as s on e.campaign_key = s.campaign_key and e.email_no = s.email_no
),

warmup_days as (
    -- warmup volume ramps up over three weeks, then holds (at half once the warmup is completed)
    select
        m.*,
        m.warmup_started + to_days(m.d) as day_start,
        cast(round(1000 * least(1, (m.d + 1) / 21.0)
            * case when m.warmup_outcome = 'completed' and m.warmup_started + to_days(m.d) >= m.warmup_outcome_at
                then 0.5 else 1 end
            * (0.7 + 0.6 * rnd('warmup_day', m.mailbox_key * 4096 + m.d))) as bigint) as weight
    from (
        select
            *,
            unnest(range(
                cast(greatest(0, floor((epoch(getvariable('history_start')) - epoch(warmup_started)) / 86400)) as bigint),
                cast(ceil((epoch(getvariable('horizon')) - epoch(warmup_started)) / 86400) as bigint)
            )) as d,
            coalesce(case when warmup_outcome = 'paused' then warmup_outcome_at end, late_pause_at) as warmup_stopped_at
        from g_mailboxes
        where warmup_started is not null
    ) as m
    where m.warmup_started + to_days(m.d) < coalesce(m.warmup_stopped_at, 'infinity')
),

warmup_scale as (
    select sum(weight) as weight
    from warmup_days
    where day_start < getvariable('as_of') and before_deletion(day_start, deleted)
),

warmup_sends as (
    select
        1125899906842624 + (w.mailbox_key * 4096 + w.d) * 1024 + w.n as message_key,
        'warmup' as kind,
        w.t,
        cast(null as bigint) as campaign_key,
        cast(null as bigint) as step_key,
        cast(null as bigint) as lead_key,
        w.mailbox_key,
        w.day_start + seconds(rnd('warmup_sent', (w.mailbox_key * 4096 + w.d) * 1024 + w.n) * 86400) as real_time,
        case when rnd('warmup_reply', (w.mailbox_key * 4096 + w.d) * 1024 + w.n) < 0.05 then 'replied' end
            as forced_event,
        cast(null as timestamptz) as forced_at,
        w.warmup_stopped_at as paused_at
    from (
        select
            w.*,
            unnest(range(least(1023, cast(floor(
                w.weight * getvariable('warmup_messages') / s.weight
                + rnd('warmup_rounding', w.mailbox_key * 4096 + w.d)
            ) as bigint)))) as n
        from warmup_days as w, warmup_scale as s
        where w.day_start >= getvariable('history_start') - interval 1 day
    ) as w
),

sends as (
    select * from campaign_sends
    union all
    select * from warmup_sends
),

kept as (
    -- a deleted tenant mostly stops sending, but a trickle leaks through (bad input)
    select s.*, g.created as tenant_created, g.deleted as tenant_deleted
    from sends as s
    inner join g_tenants as g on s.t = g.t
    where s.real_time < coalesce(s.paused_at, 'infinity')
        and (before_deletion(s.real_time, g.deleted) or rnd('after_deletion', s.message_key) < 0.05)
        and s.real_time >= getvariable('history_start')
        and s.real_time <= getvariable('horizon')
),

cased as (
    -- bad input on a small share of messages, each case its own slice of one draw (a deleted tenant's
    -- messages are bad input enough)
    select
        *,
        case when tenant_deleted is null then
            case
                when rnd('message_case', message_key) < 0.001 then 'null_id'
                when rnd('message_case', message_key) < 0.002 then 'unknown_type'
                when rnd('message_case', message_key) < 0.003 then 'unknown_tenant'
                when rnd('message_case', message_key) < 0.004 then 'unknown_mailbox'
                when rnd('message_case', message_key) < 0.0045 then 'missing_campaign'
                when rnd('message_case', message_key) < 0.005 then 'missing_step'
                when rnd('message_case', message_key) < 0.0055 then 'missing_lead'
                when rnd('message_case', message_key) < 0.006 then 'future_sent_at'
                when rnd('message_case', message_key) < 0.0065 then 'before_tenant_created'
            end
        end as bad_case
    from kept
)

select
    message_key as _key,
    kind as _kind,
    t,
    campaign_key,
    step_key,
    lead_key,
    mailbox_key,
    bad_case as _case,
    coalesce(bad_case, '') != 'unknown_type' and rnd('message_messy', message_key) < 0.005 as _messy_type,
    case bad_case
        when 'future_sent_at' then cast('2099-01-01 00:00:00+00' as timestamptz) + seconds(rnd('future', message_key) * 300 * 86400)
        when 'before_tenant_created' then tenant_created - seconds(3600 + rnd('early', message_key) * 3 * 86400)
        else real_time
    end as sent_at,
    -- queued moments before the send, within the same daily extract
    greatest(
        real_time - seconds(1 + rnd('queued', message_key) * (case when kind = 'campaign' then 300 else 30 end)),
        extract_after(real_time) - interval 1 day + interval 1 second
    ) as created,
    extract_after(real_time) as _extracted_at,
    real_time as _real_time,
    forced_event as _forced_event,
    forced_at as _forced_at,
    tenant_created as _tenant_created,
    tenant_deleted as _tenant_deleted,
    -- a message without an id, or not sent yet (far-future date), has no provider events
    coalesce(bad_case, '') not in ('null_id', 'future_sent_at') as _has_events
from cased
""",
    ),
    (
        "email_messages_out",
        """
create or replace temp view email_messages_out as
select
    case when _case = 'null_id' then null else uid('message', _key) end as id,
    case when _case = 'unknown_tenant' then uid('ghost_tenant', _key) else uid('tenant', t) end as tenant_id,
    case
        when _case = 'unknown_type' then ['transactional', 'bulk', 'test'][1 + pick('unknown_type', _key, 3)]
        when _messy_type then messy(_kind, _key)
        else _kind
    end as message_type,
    case when campaign_key is not null and coalesce(_case, '') != 'missing_campaign' then uid('campaign', campaign_key) end
        as campaign_id,
    case when step_key is not null and coalesce(_case, '') != 'missing_step' then uid('step', step_key) end as step_id,
    case when lead_key is not null and coalesce(_case, '') != 'missing_lead' then uid('lead', lead_key) end as lead_id,
    case when _case = 'unknown_mailbox' then uid('ghost_mailbox', _key) else uid('mailbox', mailbox_key) end
        as email_account_id,
    sent_at,
    created,
    _extracted_at
from g_messages
""",
    ),
)
