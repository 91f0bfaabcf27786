{#- Deduplicated on the raw id, the latest extract winning (docs: rules_audit_policy); JSON stays text here. -#}
with

source as (
    select * from {{ source('oltp', 'admin_audit_events') }}
    where _extracted_at <= {{ as_of() }} and id is not null
),

latest as (
    {{ latest_version(
        'source', 'id',
        order_by='_extracted_at desc nulls last, created desc nulls last',
        tie_breakers=['action asc nulls last']
    ) }}
),

final as (
    select
        cast(id as {{ dbt.type_string() }}) as audit_event_id,
        cast(created as {{ type_timestamp_tz() }}) as created_at,
        cast(admin_user_id as {{ dbt.type_string() }}) as admin_user_id,
        {{ normalize_vocabulary('action') }} as action,
        resource_type,
        cast(resource_id as {{ dbt.type_string() }}) as resource_id,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        old_values as old_values_text,
        new_values as new_values_text,
        metadata as metadata_text,
        ip_address,
        user_agent,
        notes,
        _extracted_at as extracted_at
    from latest
)

select * from final
