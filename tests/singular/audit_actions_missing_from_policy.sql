{{ config(severity='warn') }}
-- Names every audit action the policy seed does not know: such events are kept in admin_audit_log
-- as restricted / regulatory (fail safe) until the policy classifies them.
select
    audit_events.action,
    count(*) as audit_events
from {{ ref('stg_oltp__admin_audit_events') }} as audit_events
left join {{ ref('audit_action_policy') }} as audit_policy
    on audit_events.action = audit_policy.action
where audit_policy.action is null
group by audit_events.action
