with

source as (
    select * from {{ source('oltp', 'campaign_sequence_steps') }}
    where _extracted_at <= {{ as_of() }} and id is not null
),

latest as (
    {{ latest_version('source', 'id', tie_breakers=['step_order asc nulls last']) }}
),

final as (
    select
        cast(id as {{ dbt.type_string() }}) as step_id,
        cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(step_order as integer) as step_order,
        {{ normalize_vocabulary('step_type') }} as step_type,
        cast(email_account_id as {{ dbt.type_string() }}) as mailbox_id,
        cast(template_id as {{ dbt.type_string() }}) as template_id,
        subject_override,
        cast(wait_duration_hours as integer) as wait_duration_hours,
        cast(is_active as boolean) as is_active,
        cast(created as {{ type_timestamp_tz() }}) as created_at,
        cast(updated as {{ type_timestamp_tz() }}) as updated_at,
        _extracted_at as extracted_at
    from latest
)

select * from final
