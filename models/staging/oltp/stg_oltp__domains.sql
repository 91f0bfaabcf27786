with

source as (
    select * from {{ source('oltp', 'domains') }}
    where _extracted_at <= {{ as_of() }} and id is not null
),

latest as (
    {{ latest_version('source', 'id', tie_breakers=['verification_status asc nulls last']) }}
),

final as (
    select
        cast(id as {{ dbt.type_string() }}) as domain_id,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(company_id as {{ dbt.type_string() }}) as company_id,
        lower(trim(domain)) as domain_name,
        {{ normalize_vocabulary('verification_status') }} as verification_status,
        cast(is_primary as boolean) as is_primary,
        cast(verified as {{ type_timestamp_tz() }}) as verified_at,
        cast(created as {{ type_timestamp_tz() }}) as created_at,
        cast(updated as {{ type_timestamp_tz() }}) as updated_at,
        _extracted_at as extracted_at
    from latest
)

select * from final
