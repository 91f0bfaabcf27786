{{
    config(
        pre_hook="{{ delete_recomputed_rows(
            'message_id in (select changed.message_id from ' ~ ref('int_changed_messages') ~ ' as changed)'
        ) }}",
        **recomputed_by_message(strategy='append')
    )
}}
{#-
    One row per counted message, in the billing period of its send time (send cohort), with its
    funnel flags: every counter of every mart is a sum of these flags, so a message counts once
    whatever the number of events (or webhook retries) behind it. A flag is set by the counted
    events of the message (`int_events_classified`): engagement proves delivery; a bounce only
    counts without any delivery evidence; bot-flagged opens and clicks prove delivery but are not
    tracked engagement.

    Incremental: recomputed by message: a pre-hook deletes the rows of the changed messages
    (`int_changed_messages`), and the run appends those that count now.
-#}
-- depends_on: {{ ref('int_changed_messages') }}

with

messages as (
    select * from {{ of_changed_messages(ref('int_messages_classified')) }}
    where quarantine_reason is null
),

events as (
    select * from {{ of_changed_messages(ref('int_events_classified')) }}
    where quarantine_reason is null
),

periods as (
    select * from {{ ref('int_billing_periods') }}
),

event_evidence as (
    select
        message_id,
        -- engagement proves delivery
        {{ dbt.bool_or(
            "event_type in ('delivered', 'opened', 'clicked', 'replied', 'unsubscribed', 'spam_complaint')"
        ) }} as has_delivery_evidence,
        {{ dbt.bool_or("event_type = 'bounced'") }} as has_bounce,
        {{ dbt.bool_or("event_type = 'opened' and not is_bot") }} as has_tracked_open,
        {{ dbt.bool_or("event_type = 'clicked' and not is_bot") }} as has_tracked_click,
        {{ dbt.bool_or("event_type = 'replied'") }} as has_reply,
        {{ dbt.bool_or("event_type = 'unsubscribed'") }} as has_unsubscribe,
        {{ dbt.bool_or("event_type = 'spam_complaint'") }} as has_spam_complaint
    from events
    group by message_id
),

final as (
    select
        messages.message_id,
        messages.tenant_id,
        messages.billing_id,
        periods.period_start,
        messages.message_type,
        messages.campaign_id,
        messages.step_id,
        messages.lead_id,
        messages.mailbox_id,
        messages.sent_at,
        coalesce(event_evidence.has_delivery_evidence, false) as is_delivered,
        coalesce(event_evidence.has_bounce and not event_evidence.has_delivery_evidence, false) as is_bounced,
        coalesce(event_evidence.has_tracked_open, false) as is_opened_tracked,
        coalesce(event_evidence.has_tracked_click, false) as is_clicked_tracked,
        coalesce(event_evidence.has_reply, false) as is_replied,
        coalesce(event_evidence.has_unsubscribe, false) as is_unsubscribed,
        coalesce(event_evidence.has_spam_complaint, false) as is_spam_complaint,
        {{ run_started_at_literal() }} as recomputed_at
    from messages
    inner join periods
        on messages.billing_id = periods.billing_id
    left join event_evidence
        on messages.message_id = event_evidence.message_id
)

select * from final
