with

source as (
    select * from {{ source('oltp', 'subscriptions') }}
    where _extracted_at <= {{ as_of() }} and id is not null
),

latest as (
    {{ latest_version('source', 'id', tie_breakers=['status asc nulls last']) }}
),

final as (
    select
        cast(id as {{ dbt.type_string() }}) as subscription_id,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(plan_id as {{ dbt.type_string() }}) as plan_id,
        {{ normalize_vocabulary('status') }} as subscription_status,
        cast(current_period_start as {{ type_timestamp_tz() }}) as current_period_start_at,
        cast(current_period_end as {{ type_timestamp_tz() }}) as current_period_end_at,
        cast(cancel_at_period_end as boolean) as is_canceled_at_period_end,
        cast(cancel_date as {{ type_timestamp_tz() }}) as canceled_at,
        cast(created as {{ type_timestamp_tz() }}) as created_at,
        cast(updated as {{ type_timestamp_tz() }}) as updated_at,
        _extracted_at as extracted_at
    from latest
)

select * from final
