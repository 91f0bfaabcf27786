with

source as (
    select * from {{ source('oltp', 'email_accounts') }}
    where _extracted_at <= {{ as_of() }} and id is not null
),

latest as (
    {{ latest_version('source', 'id', tie_breakers=['warmup_status asc nulls last', 'status asc nulls last']) }}
),

final as (
    select
        cast(id as {{ dbt.type_string() }}) as mailbox_id,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(domain_id as {{ dbt.type_string() }}) as domain_id,
        {{ normalize_vocabulary('provider') }} as provider,
        {{ normalize_vocabulary('status') }} as mailbox_status,
        {{ normalize_vocabulary('warmup_status') }} as warmup_status,
        cast(warmup_started as {{ type_timestamp_tz() }}) as warmup_started_at,
        cast(warmup_planned_days as integer) as warmup_planned_days,
        cast(last_warmed as {{ type_timestamp_tz() }}) as last_warmed_at,
        cast(daily_count as integer) as daily_count,
        cast(created as {{ type_timestamp_tz() }}) as created_at,
        cast(updated as {{ type_timestamp_tz() }}) as updated_at,
        _extracted_at as extracted_at
    from latest
)

select * from final
