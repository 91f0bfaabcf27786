{#-
    One row per counted message (spec 4), in the billing period of its send time, with its funnel
    flags: every counter of every mart is a sum of these flags, so a message counts once whatever
    the number of events (or webhook retries) behind it. Engagement proves delivery; a bounce only
    counts without any delivery evidence; bot-flagged opens and clicks prove delivery but are not
    tracked engagement.
-#}
with

messages as (
    select * from {{ ref('int_messages_classified') }}
    where quarantine_reason is null
),

counted_events as (
    select * from {{ ref('int_events_classified') }}
    where quarantine_reason is null
),

periods as (
    select * from {{ ref('int_billing_periods') }}
),

event_evidence as (
    select
        message_id,
        max(case when event_type in ('delivered', 'opened', 'clicked', 'replied', 'unsubscribed', 'spam_complaint')
                then 1
            else 0
        end) as has_delivery_evidence,
        max(case when event_type = 'bounced' then 1 else 0 end) as has_bounce_event,
        max(case when event_type = 'opened' and not is_bot then 1 else 0 end) as has_tracked_open,
        max(case when event_type = 'clicked' and not is_bot then 1 else 0 end) as has_tracked_click,
        max(case when event_type = 'replied' then 1 else 0 end) as has_reply,
        max(case when event_type = 'unsubscribed' then 1 else 0 end) as has_unsubscribe,
        max(case when event_type = 'spam_complaint' then 1 else 0 end) as has_spam_complaint
    from counted_events
    group by message_id
),

final as (
    select
        messages.message_id,
        messages.tenant_id,
        messages.message_type,
        messages.campaign_id,
        messages.step_id,
        messages.lead_id,
        messages.mailbox_id,
        messages.sent_at,
        periods.billing_id,
        periods.period_start,
        periods.period_end,
        periods.window_end_at,
        coalesce(event_evidence.has_delivery_evidence, 0) = 1 as is_delivered,
        coalesce(event_evidence.has_bounce_event, 0) = 1
        and coalesce(event_evidence.has_delivery_evidence, 0) = 0 as is_bounced,
        coalesce(event_evidence.has_tracked_open, 0) = 1 as is_opened_tracked,
        coalesce(event_evidence.has_tracked_click, 0) = 1 as is_clicked_tracked,
        coalesce(event_evidence.has_reply, 0) = 1 as is_replied,
        coalesce(event_evidence.has_unsubscribe, 0) = 1 as is_unsubscribed,
        coalesce(event_evidence.has_spam_complaint, 0) = 1 as is_spam_complaint
    from messages
    inner join periods
        on
            messages.tenant_id = periods.tenant_id
            and messages.sent_at >= periods.period_start
            and messages.sent_at < periods.period_end
    left join event_evidence
        on messages.message_id = event_evidence.message_id
)

select * from final
