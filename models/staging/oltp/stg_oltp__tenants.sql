with

source as (
    select * from {{ source('oltp', 'tenants') }}
    where _extracted_at <= {{ as_of() }} and id is not null
),

latest as (
    {{ latest_version('source', 'id', tie_breakers=['deleted desc nulls last', 'created asc nulls last']) }}
),

final as (
    select
        cast(id as {{ dbt.type_string() }}) as tenant_id,
        name as tenant_name,
        cast(created as {{ type_timestamp_tz() }}) as created_at,
        cast(updated as {{ type_timestamp_tz() }}) as updated_at,
        cast(deleted as {{ type_timestamp_tz() }}) as deleted_at,
        _extracted_at as extracted_at
    from latest
)

select * from final
