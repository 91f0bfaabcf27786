{#-
    One row per provider event: a webhook retried with the same id is one event (spec 8). The first
    copy extracted wins, so a later retry never rewrites an event already counted.
-#}
with

source as (
    select * from {{ source('oltp', 'email_events') }}
    where _extracted_at <= {{ as_of() }}
),

first_copy as (
    {{ latest_version(
        'source', 'id',
        order_by='_extracted_at asc nulls last, received_at asc nulls last',
        tie_breakers=['occurred_at asc nulls last', 'event_type asc nulls last', 'message_id asc nulls last']
    ) }}
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
        _extracted_at as extracted_at
    from first_copy
)

select * from final
