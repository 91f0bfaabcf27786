-- Everything one admin did that the compliance audit keeps, in order.
-- Question: "what did this admin change, where, and how sensitive was it?"
-- Run: dbt compile --select admin_audit_trail --vars '{admin_user_id: "<admin uuid>"}'.
-- Reads admin_audit_log, which only the compliance role may read on Postgres. Out-of-scope actions
-- (page views and the like) are not in it; an action unknown to the audit policy shows as
-- restricted / regulatory.
with

audit_log as (
    select * from {{ published_ref('admin_audit_log') }}
    where admin_user_id = '{{ var("admin_user_id", "00000000-0000-0000-0000-000000000000") }}'
),

final as (
    select
        creation_time,
        action,
        resource_type,
        resource_id,
        tenant_id,
        data_classification,
        retention_category,
        old_values,
        new_values,
        ip_address,
        notes
    from audit_log
)

select * from final
order by creation_time, action, resource_id
