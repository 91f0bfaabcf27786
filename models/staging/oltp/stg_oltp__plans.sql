with

source as (
    select * from {{ source('oltp', 'plans') }}
    where _extracted_at <= {{ as_of() }} and id is not null
),

latest as (
    {{ latest_version('source', 'id', tie_breakers=['slug asc nulls last']) }}
),

final as (
    select
        cast(id as {{ dbt.type_string() }}) as plan_id,
        name as plan_name,
        {{ normalize_vocabulary('slug') }} as plan_slug,
        cast(max_emails_per_month as integer) as max_emails_per_month,
        cast(max_email_accounts as integer) as max_email_accounts,
        cast(max_domains as integer) as max_domains,
        cast(max_campaigns_per_month as integer) as max_campaigns_per_month,
        cast(max_warmups as integer) as max_warmups,
        cast(max_contacts as integer) as max_contacts,
        cast(price_monthly as integer) as price_monthly_cents,
        cast(is_active as boolean) as is_active,
        cast(created as {{ type_timestamp_tz() }}) as created_at,
        cast(updated as {{ type_timestamp_tz() }}) as updated_at,
        _extracted_at as extracted_at
    from latest
)

select * from final
