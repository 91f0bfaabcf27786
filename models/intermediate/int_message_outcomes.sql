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

    Incremental (spec 7): a pre-hook retires the rows of the messages whose outcome can have changed
    since the previous run (`outcome_affected_messages`: re-extracted, with new events, whose tenant,
    mailbox, campaign, step or lead changed, or whose send or signal time passed the as-of), so a
    message that stopped counting disappears; the run then appends every counted message the table
    does not hold, which is those retired that still count and any that newly count. The affected set
    is computed once, in the pre-hook. A build at an earlier as-of than the state rebuilds from scratch.
-#}
-- depends_on: {{ ref('stg_oltp__tenants') }}
-- depends_on: {{ ref('stg_oltp__email_accounts') }}
-- depends_on: {{ ref('stg_oltp__campaigns') }}
-- depends_on: {{ ref('stg_oltp__campaign_sequence_steps') }}
-- depends_on: {{ ref('stg_oltp__leads') }}
{%- set keeps_stored_rows = outcome_affected_messages() is not none %}

with

stored_outcomes as (
    -- the rows this run keeps, left by the pre-hook (none on a full or rewinding build)
    {%- if keeps_stored_rows %}
        select message_id from {{ this }}
    {%- else %}
        select cast(null as {{ dbt.type_string() }}) as message_id
        where 1 = 0
    {%- endif %}
),

messages as (
    select classified.*
    from {{ ref('int_messages_classified') }} as classified
    left join stored_outcomes
        on classified.message_id = stored_outcomes.message_id
    where classified.quarantine_reason is null and stored_outcomes.message_id is null
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
        {{ as_of() }} as as_of_at
    from indexed_messages as messages
    inner join periods
        on
            messages.tenant_id = periods.tenant_id
            and messages.period_index = periods.period_index
    left join signals
        on messages.message_id = signals.message_id
)

select * from final
