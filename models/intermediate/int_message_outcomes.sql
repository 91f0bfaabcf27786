{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook=[
            "{{ rewind_incremental_state('as_of_at') }}",
            "{{ retire_affected_outcomes() }}",
        ],
    )
}}
{#-
    One row per counted message (spec 4), in the billing period of its send time, with its funnel
    flags: every counter of every mart is a sum of these flags, so a message counts once whatever
    the number of events (or webhook retries) behind it. Engagement proves delivery; a bounce only
    counts without any delivery evidence; bot-flagged opens and clicks prove delivery but are not
    tracked engagement.

    Incremental (spec 7): a pre-hook deletes the rows of the messages whose outcome can have changed
    since the previous run (`outcome_recomputed_messages`: re-extracted or reclassified, with new
    events, whose tenant changed, or whose signal time passed the as-of; and the rows of messages
    quarantined now), then the run appends the recomputed messages that count. The set is read from
    the upstream models only, so the model selects exactly what the pre-hook deleted. A build at an
    earlier as-of than the state rebuilds from scratch.
-#}
-- depends_on: {{ ref('stg_oltp__tenants') }}
{%- set recomputed = outcome_recomputed_messages() %}

with

messages as (
    select * from {{ ref('int_messages_classified') }}
    where quarantine_reason is null
    {%- if recomputed is not none %}
        -- the pre-hook deleted exactly these: append those that count
        and message_id in ({{ recomputed }})
    {%- endif %}
),

event_summary as (
    select * from {{ ref('int_message_event_summary') }}
),

periods as (
    select * from {{ ref('int_billing_periods') }}
),

anchors as (
    select
        tenant_id,
        anchor_at
    from periods
    where period_index = 0
),

indexed_messages as (
    select
        messages.*,
        {{ billing_period_index('anchors.anchor_at', 'messages.sent_at') }} as period_index
    from messages
    inner join anchors
        on messages.tenant_id = anchors.tenant_id
),

signals as (
    -- a signal counts once an event showing it is dated at or before the as-of
    select
        message_id,
        last_extracted_at,
        {%- for column in event_signal_columns() %}
            coalesce({{ column }} <= {{ as_of() }}, false)
                as has_{{ column | replace('first_', '') | replace('_at', '') }}
            {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from event_summary
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
        coalesce(signals.has_delivery_evidence, false) as is_delivered,
        coalesce(signals.has_bounce and not signals.has_delivery_evidence, false) as is_bounced,
        coalesce(signals.has_tracked_open, false) as is_opened_tracked,
        coalesce(signals.has_tracked_click, false) as is_clicked_tracked,
        coalesce(signals.has_reply, false) as is_replied,
        coalesce(signals.has_unsubscribe, false) as is_unsubscribed,
        coalesce(signals.has_spam_complaint, false) as is_spam_complaint,
        case
            when signals.last_extracted_at > messages.extracted_at then signals.last_extracted_at
            else messages.extracted_at
        end as state_extracted_at,
        {{ as_of() }} as as_of_at,
        {{ run_started_at_literal() }} as computed_at
    from indexed_messages as messages
    inner join periods
        on
            messages.tenant_id = periods.tenant_id
            and messages.period_index = periods.period_index
    left join signals
        on messages.message_id = signals.message_id
)

select * from final
