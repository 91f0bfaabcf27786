{{
    config(
        pre_hook="{{ delete_recomputed_rows('event_id is null') }}",
        **recomputed_by_message('event_id')
    )
}}
{#-
    Every distinct provider event (retries already collapsed in staging), in the billing period of
    its message (null when the message is unknown or has no period), with the reason it is
    quarantined, or null when it counts: the one place that decides which events count. Clock skew
    of up to var('event_clock_skew_minutes') before the message’s send time is tolerated; an event
    further back is quarantined.

    Incremental: recomputed by message: the events of the changed messages (`int_changed_messages`),
    the events without a message staged since the last completed run, and the events with a null id
    (no key can replace them: reclassified on every run).
-#}
-- depends_on: {{ ref('int_changed_messages') }}
{%- set previous = recomputes_changes_since() %}

with

events as (
    select * from {{ of_changed_messages(ref('stg_oltp__email_events')) }}
    {%- if previous is not none %}
        where event_id is not null
        union all
        select * from {{ ref('stg_oltp__email_events') }}
        where event_id is null or (message_id is null and staged_at > {{ previous['started_at'] }})
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
        end as quarantine_reason,
        {{ run_started_at_literal() }} as recomputed_at
    from events
    left join messages
        on events.message_id = messages.message_id
)

select * from classified
