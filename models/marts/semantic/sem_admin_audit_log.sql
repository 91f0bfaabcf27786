{{ config(materialized='view', grants=compliance_grants()) }}
{#-
    Grain: as admin_audit_log, one row per in-scope admin audit event; the base of the audit semantic
    model, without the JSON values, IP address, user agent and notes (counts need none of them). Granted
    to the compliance role only, as the audit log.
-#}
with

audit_events as (
    select * from {{ published_ref('admin_audit_log') }}
),

final as (
    select
        id,
        creation_time,
        admin_user_id,
        action,
        resource_type,
        tenant_id,
        data_classification,
        retention_category
    from audit_events
)

select * from final
