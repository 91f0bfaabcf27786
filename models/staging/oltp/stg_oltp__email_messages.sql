{#- Messages are immutable, but a re-extract may copy one again: the latest extract wins. -#}
with

source as (
    select * from {{ source('oltp', 'email_messages') }}
    where _extracted_at <= {{ as_of() }}
),

latest as (
    {{ latest_version(
        'source', 'id',
        order_by='_extracted_at desc nulls last, created desc nulls last',
        tie_breakers=['sent_at asc nulls last', 'message_type asc nulls last']
    ) }}
),

final as (
    select
        cast(id as {{ dbt.type_string() }}) as message_id,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        {{ normalize_vocabulary('message_type') }} as message_type,
        cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(step_id as {{ dbt.type_string() }}) as step_id,
        cast(lead_id as {{ dbt.type_string() }}) as lead_id,
        cast(email_account_id as {{ dbt.type_string() }}) as mailbox_id,
        cast(sent_at as {{ type_timestamp_tz() }}) as sent_at,
        cast(created as {{ type_timestamp_tz() }}) as created_at,
        _extracted_at as extracted_at
    from latest
)

select * from final
