{#- A table, not a view: lead_analytics, campaign_analytics,
    the quarantine and its tests read it, and a view would rank
    the raw versions again for each of them. Rebuilt whole on every run, from the same as-of. -#}
{{ config(materialized='table') }}

with

source as (
    select
        *,
        {{ dbt.concat(['campaign_id', "'|'", 'lead_id']) }} as enrolment_key
    from {{ source('oltp', 'campaign_leads') }}
    where _extracted_at <= {{ as_of() }} and campaign_id is not null and lead_id is not null
),

latest as (
    {{ latest_version('source', 'enrolment_key', tie_breakers=['status asc nulls last']) }}
),

final as (
    select
        enrolment_key,
        cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(lead_id as {{ dbt.type_string() }}) as lead_id,
        {{ normalize_vocabulary('status') }} as enrolment_status,
        cast(current_step_order as integer) as current_step_order,
        cast(enrolled as {{ type_timestamp_tz() }}) as enrolled_at,
        cast(completed as {{ type_timestamp_tz() }}) as completed_at,
        cast(updated as {{ type_timestamp_tz() }}) as updated_at,
        _extracted_at as extracted_at
    from latest
)

select * from final
