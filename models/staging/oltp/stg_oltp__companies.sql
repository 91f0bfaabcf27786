with

source as (
    select * from {{ source('oltp', 'companies') }}
    where _extracted_at <= {{ as_of() }} and id is not null
),

latest as (
    {{ latest_version('source', 'id', tie_breakers=['status asc nulls last']) }}
),

final as (
    select
        cast(id as {{ dbt.type_string() }}) as company_id,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        name as company_name,
        workspace_name,
        {{ normalize_vocabulary('status') }} as company_status,
        cast(created as {{ type_timestamp_tz() }}) as created_at,
        cast(updated as {{ type_timestamp_tz() }}) as updated_at,
        _extracted_at as extracted_at
    from latest
)

select * from final
