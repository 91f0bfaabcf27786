{#- A table, not a view: the classified messages, billing_analytics,
    the quarantine and its tests read it, and a view would rank
    the raw versions again for each of them. Rebuilt whole on every run, from the same as-of. -#}
{{ config(materialized='table') }}

with

source as (
    select * from {{ source('oltp', 'leads') }}
    where _extracted_at <= {{ as_of() }} and id is not null
),

latest as (
    {{ latest_version('source', 'id', tie_breakers=['status asc nulls last']) }}
),


final as (
    -- e-mail and name are personal data: never selected, they never leave raw
    select
        cast(id as {{ dbt.type_string() }}) as lead_id,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        company as lead_company_name,
        {{ normalize_vocabulary('status') }} as lead_status,
        cast(created as {{ type_timestamp_tz() }}) as created_at,
        cast(updated as {{ type_timestamp_tz() }}) as updated_at,
        _extracted_at as extracted_at
    from latest
)

select * from final
