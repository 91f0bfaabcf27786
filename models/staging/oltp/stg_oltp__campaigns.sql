with

source as (
    select * from {{ source('oltp', 'campaigns') }}
    where _extracted_at <= {{ as_of() }} and id is not null
),

latest as (
    {{ latest_version('source', 'id', tie_breakers=['status asc nulls last']) }}
),

final as (
    select
        cast(id as {{ dbt.type_string() }}) as campaign_id,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(company_id as {{ dbt.type_string() }}) as company_id,
        name as campaign_name,
        description as campaign_description,
        {{ normalize_vocabulary('status') }} as campaign_status,
        cast(scheduled as {{ type_timestamp_tz() }}) as scheduled_at,
        cast(completed as {{ type_timestamp_tz() }}) as completed_at,
        cast(created as {{ type_timestamp_tz() }}) as created_at,
        cast(updated as {{ type_timestamp_tz() }}) as updated_at,
        _extracted_at as extracted_at
    from latest
)

select * from final
