{{ config(meta={'published_access': 'compliance'}) }}
{#-
    Grain: one row per in-scope admin audit event, deduplicated on the raw id (latest extract wins).
    Rules: models/docs/rules_audit_policy.md. The audit policy seed classifies each action;
    out-of-scope actions are left out, an action the policy does not know is kept as restricted /
    regulatory (fail safe). JSON text that does not parse becomes null here; the quarantine keeps the
    raw text.
-#}
with

audit_events as (
    select * from {{ ref('stg_oltp__admin_audit_events') }}
),

policy as (
    select * from {{ ref('audit_action_policy') }}
),

final as (
    select
        {{ bigint_key(['audit_events.audit_event_id']) }} as id,
        audit_events.created_at as creation_time,
        audit_events.admin_user_id,
        audit_events.action,
        audit_events.resource_type,
        audit_events.resource_id,
        audit_events.tenant_id,
        {{ try_parse_json('audit_events.old_values_text') }} as old_values,
        {{ try_parse_json('audit_events.new_values_text') }} as new_values,
        audit_events.ip_address,
        audit_events.user_agent,
        audit_events.notes,
        {{ try_parse_json('audit_events.metadata_text') }} as metadata,
        cast(coalesce(policy.data_classification, 'restricted') as varchar(20)) as data_classification,
        cast(coalesce(policy.retention_category, 'regulatory') as varchar(20)) as retention_category
    from audit_events
    left join policy
        on audit_events.action = policy.action
    where coalesce(policy.in_scope, true)
)

select * from final
