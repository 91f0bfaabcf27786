{{ config(**reclassified_by_message()) }}
{#-
    Every distinct provider event (retries already collapsed in staging) with the reason it is
    quarantined, or null when it counts (spec 8). Clock skew of up to an hour before the message's
    send time is tolerated; an event further back is quarantined.

    Incremental (spec 7), by message: a run reclassifies all the events of the messages whose events
    can have changed reason since the state was computed, and only those: messages with an event or
    a copy extracted since the high-water mark (less the lookback; late events for messages of old
    periods included), messages that held an event staged anew (a late first copy may move it to
    another message), messages quarantined now, and messages of events stored as unknown message, message
    quarantined or future (a message may have arrived or stopped being quarantined, an event time
    may have passed the as-of). Events with a null message id are all reclassified on every run. A
    build at an earlier as-of than the state rebuilds it from scratch.
-#}
{%- set lower_bound = incremental_lower_bound('extracted_at', rewind_column='as_of_at') %}
{%- set staged_events = ref('stg_oltp__email_events') %}
{%- set classified_messages = ref('int_messages_classified') %}

{#- The affected set reads the relations, not the CTEs: DuckDB materialises a CTE read twice. #}
with

events as (
    select * from {{ staged_events }}
),

messages as (
    select * from {{ classified_messages }}
    where message_id is not null
),

{%- if lower_bound is not none %}

    affected_messages as (
        {{ messages_extracted_since(staged_events, classified_messages, lower_bound) | indent(8) }}
        union
        select stored.message_id
        from {{ this }} as stored
        inner join {{ staged_events }} as staged
            on stored.event_id = staged.event_id
        where staged.extracted_at > {{ lower_bound }}
        union
        select message_id from {{ classified_messages }}
        where quarantine_reason is not null
        union
        select message_id from {{ this }}
        where quarantine_reason in ('unknown_message', 'message_quarantined', 'future_occurred_at')
    ),
{%- endif %}

scoped_events as (
    {{ rows_of_affected_messages('events', lower_bound) }}
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
        end as quarantine_reason,
        {{ as_of() }} as as_of_at
    from scoped_events as events
    left join messages
        on events.message_id = messages.message_id
)

select * from classified
