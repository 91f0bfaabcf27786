{#-
    Every distinct provider event (retries already collapsed in staging) with the reason it is
    quarantined, or null when it counts (spec 8). Clock skew of up to an hour before the message's
    send time is tolerated; an event further back is quarantined.
-#}
with

events as (
    select * from {{ ref('stg_oltp__email_events') }}
),

messages as (
    select * from {{ ref('int_messages_classified') }}
    where message_id is not null
),

classified as (
    select
        events.event_id,
        events.message_id,
        events.event_type,
        events.occurred_at,
        events.is_bot,
        events.extracted_at,
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
