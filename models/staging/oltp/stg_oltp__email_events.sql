{{
    config(
        materialized=staged_extract_materialization(),
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook=[
            "{{ delete_recomputed_rows() }}",
            "{{ retire_outranked_first_copies(source('oltp', 'email_events'), 'id', 'event_id') }}",
        ],
    )
}}
{#-
    One row per provider event: a webhook retried with the same id is one event (docs: bad input), its first
    extracted copy kept, so a later retry never rewrites an event already staged. Incremental: a run
    appends the events whose id it has not seen (rows with a null id are taken once, past the
    high-water mark), after a pre-hook has retired any staged copy outranked by a copy that landed
    late inside the lookback with an earlier extract time; the table is the same as a full rebuild’s.
    `staged_at` is the start of the run that appended the row: events staged since the last completed
    run are that run’s new events.
-#}
{%- set lower_bound = incremental_lower_bound() %}

with

source as (
    select * from {{ source('oltp', 'email_events') }}
    where _extracted_at <= {{ as_of() }}
    {%- if lower_bound is not none %}
        and _extracted_at > {{ lower_bound }}
    {%- endif %}
),

first_copy as (
    {{ latest_version(
        'source', 'id',
        order_by='_extracted_at asc nulls last, received_at asc nulls last',
        tie_breakers=['occurred_at asc nulls last', 'event_type asc nulls last', 'message_id asc nulls last'],
        keyless_copies_once=true
    ) }}
),

unseen as (
    select * from first_copy
    {%- if lower_bound is not none %}
    where
        (id is not null or _extracted_at > {{ incremental_high_water_mark() }})
        and not exists (
            select 1 from {{ this }} as staged
            where staged.event_id = first_copy.id
        )
    {%- endif %}
),

final as (
    select
        cast(id as {{ dbt.type_string() }}) as event_id,
        cast(message_id as {{ dbt.type_string() }}) as message_id,
        {{ normalize_vocabulary('event_type') }} as event_type,
        cast(occurred_at as {{ type_timestamp_tz() }}) as occurred_at,
        {{ normalize_vocabulary('bounce_type') }} as bounce_type,
        coalesce(cast(is_bot as boolean), false) as is_bot,
        payload,
        cast(received_at as {{ type_timestamp_tz() }}) as received_at,
        _extracted_at as extracted_at,
        {{ run_started_at_literal() }} as staged_at
    from unseen
)

select * from final
