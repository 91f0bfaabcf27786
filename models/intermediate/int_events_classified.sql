{{ config(**recomputed_by_billing_period(['messages'])) }}
{#-
    Every distinct provider event (retries already collapsed in staging), in the billing period of
    its message (null when the message is unknown or has no period), with the reason it is
    quarantined, or null when it counts: the one place that decides which events count. Clock skew
    of up to var('event_clock_skew_minutes') before the message's send time is tolerated; an event
    further back is quarantined.

    Incremental: recomputed by billing period (`messages` changes). A run reclassifies the events
    of the messages it reclassified, the events it stored without a period (their message may have
    arrived), and the events extracted since the last completed run.
-#}
-- depends_on: {{ ref('int_touched_periods') }}
{%- set touched_only = recomputes_touched_periods_only() %}
{%- set previous = previous_completed_run() if touched_only else none %}

with

events as (
    select * from {{ ref('stg_oltp__email_events') }}
    {%- if touched_only %}
        where
            message_id is null
            or extracted_at > {{ previous['changes_since'] }}
            or message_id in (
                select message_id from {{ ref('int_messages_classified') }}
                where billing_id is null or {{ in_touched_periods() }}
            )
            or message_id in (select stored.message_id from {{ stored_rows_without_period() }} as stored)
    {%- endif %}
),

messages as (
    select * from {{ ref('int_messages_classified') }}
    where message_id is not null
),

classified as (
    select
        events.event_id,
        events.message_id,
        messages.tenant_id,
        messages.billing_id,
        events.event_type,
        events.occurred_at,
        events.is_bot,
        case when {{ is_malformed_json('events.payload') }} then events.payload end as malformed_payload,
        case
            when events.message_id is null then 'null_message_id'
            when {{ vocabulary_value('events.event_type', 'event_type') }} is null then 'unknown_event_type'
            when messages.message_id is null then 'unknown_message'
            when messages.quarantine_reason is not null then 'message_quarantined'
            when events.occurred_at is null then 'null_occurred_at'
            when events.occurred_at > {{ as_of() }} then 'future_occurred_at'
            when {{ is_before_clock_skew('events.occurred_at', 'messages.sent_at') }} then 'before_message_sent'
        end as quarantine_reason
    from events
    left join messages
        on events.message_id = messages.message_id
)

select * from classified
