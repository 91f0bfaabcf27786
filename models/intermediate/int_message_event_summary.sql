{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='message_id',
        on_schema_change='fail',
        pre_hook="{{ rewind_incremental_state('last_extracted_at') }}",
    )
}}
{#-
    One row per staged message with at least one event: for each funnel signal, the earliest time a
    valid event (known type, not dated before the message's send time by more than the clock skew)
    shows it, null when none does. The
    marts read a flag as "signal time <= as-of", so this heavy per-event work never depends on the
    as-of and is incremental: a run recomputes only the messages that got new events or a new copy
    since its high-water mark (late events for messages of old periods included), from all their
    events.
-#}
{%- set lower_bound = incremental_lower_bound('last_extracted_at') %}

{#- The touched set reads the relations, not the CTEs: DuckDB materialises a CTE read twice. #}

with

events as (
    select * from {{ ref('stg_oltp__email_events') }}
    where message_id is not null and occurred_at is not null
),

messages as (
    select * from {{ ref('stg_oltp__email_messages') }}
    where message_id is not null
),

{%- if lower_bound is not none %}

    touched_messages as (
        {{ messages_extracted_since(
            ref('stg_oltp__email_events'), ref('stg_oltp__email_messages'), lower_bound
        ) | indent(8) }}
    ),
{%- endif %}

message_events as (
    select
        events.message_id,
        events.event_type,
        events.is_bot,
        events.occurred_at,
        events.event_type in ({{ vocabulary_list('event_type') }})
        and not ({{ is_before_clock_skew('events.occurred_at', 'messages.sent_at') }}) as is_valid,
        case
            when events.extracted_at > messages.extracted_at then events.extracted_at
            else messages.extracted_at
        end as last_extracted_at
    from events
    inner join messages
        on events.message_id = messages.message_id
    {%- if lower_bound is not none %}
        inner join touched_messages
            on events.message_id = touched_messages.message_id
    {%- endif %}
),

final as (
    select
        message_id,
        {%- for column, condition in event_signal_columns().items() %}
            min(case when is_valid and {{ condition }} then occurred_at end) as {{ column }},
        {%- endfor %}
        max(last_extracted_at) as last_extracted_at
    from message_events
    group by message_id
)

select * from final
