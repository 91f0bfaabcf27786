"""Audit: the admin audit events of each tenant, a few a week (low-risk console noise and actions the
policy does not know included), with malformed JSON and amended notes as bad input. The actions come from
the audit policy seed (seeds/audit_action_policy.csv)."""

from __future__ import annotations

import csv
from pathlib import Path

UNKNOWN_AUDIT_ACTIONS = ("api_key.rotate", "sso.configure", "webhook.update")


def read_policy_actions(policy_csv: Path) -> tuple[list[str], list[str]]:
    """The audit policy seed's in-scope and low-risk (out of scope) actions."""
    with policy_csv.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    in_scope = [row["action"] for row in rows if row["in_scope"].strip().lower() == "true"]
    low_risk = [row["action"] for row in rows if row["in_scope"].strip().lower() != "true"]
    return in_scope, low_risk


# (name, statement): each statement creates one temp table or view, in dependency order.
STATEMENTS: tuple[tuple[str, str], ...] = (
    (
        "admin_audit_events_out",
        """
create or replace temp table admin_audit_events_out as
with weeks as (
    select
        g.*,
        w,
        n,
        g.t * 1048576 + w * 16 + n as audit_key
    from (
        select
            *,
            unnest(range(cast(ceil((epoch(getvariable('horizon')) - epoch(active_from)) / 604800) as bigint))) as w
        from g_tenants
    ) as g, range(8) as r (n)
    where n < g.audit_per_week
),

events as (
    -- a few admin actions per tenant and week; low-risk console noise included (the policy filters
    -- it); a few actions the policy does not know
    select
        audit_key,
        t,
        id as tenant_id,
        active_from + seconds((w + rnd('audit_at', audit_key)) * 604800) as created,
        case
            when rnd('audit_kind', audit_key) < 0.35 then getvariable('low_risk_actions')[
                1 + pick('audit_action', audit_key, len(getvariable('low_risk_actions')))]
            when rnd('audit_kind', audit_key) < 0.97 then getvariable('in_scope_actions')[
                1 + pick('audit_action', audit_key, len(getvariable('in_scope_actions')))]
            else getvariable('unknown_actions')[1 + pick('audit_action', audit_key, len(getvariable('unknown_actions')))]
        end as action,
        deleted
    from weeks
    where active_from + seconds((w + rnd('audit_at', audit_key)) * 604800) <= coalesce(deleted, 'infinity')
    union all
    -- the deletion itself is audited
    select t * 1048576 + 1048575, t, id, deleted, 'tenant.delete', deleted
    from g_tenants
    where deleted is not null
),

valued as (
    select
        *,
        case split_part(action, '.', 1)
            when 'role' then '{"role": "viewer"}'
            when 'permission' then '{"permission": "campaigns.write", "granted": false}'
            when 'subscription' then '{"status": "active"}'
            when 'plan' then '{"plan": "growth"}'
            when 'tenant_config' then '{"daily_send_limit": 200}'
            when 'tenant_policy' then '{"tracking": "opens_and_clicks"}'
            when 'account' then '{"locked": ' || case when action = 'account.lock' then 'false' else 'true' end || '}'
            when 'user' then case when action = 'user.delete' then '{"email": "user' || (audit_key % 997) || '@tenant.example"}' end
            when 'tenant' then '{"deleted": null}'
            when 'api_key' then '{"key_suffix": "' || substr(md5(cast(audit_key as varchar)), 1, 4) || '"}'
        end as old_value,
        case split_part(action, '.', 1)
            when 'role' then '{"role": "' || case when action = 'role.assign' then 'admin' else 'none' end || '"}'
            when 'permission' then '{"permission": "campaigns.write", "granted": ' || case when action = 'permission.grant' then 'true' else 'false' end || '}'
            when 'subscription' then '{"status": "' || case when action = 'subscription.cancel' then 'canceled' else 'active' end || '", "seats": ' || (1 + audit_key % 9) || '}'
            when 'plan' then '{"plan": "scale"}'
            when 'payment' then '{"amount_cents": ' || (1900 + 100 * (audit_key % 300)) || ', "currency": "USD"}'
            when 'tenant_config' then '{"daily_send_limit": 400}'
            when 'tenant_policy' then '{"tracking": "clicks_only"}'
            when 'data_export' then '{"format": "csv", "scope": "leads"}'
            when 'user' then case when action = 'user.impersonate' then '{"target_user_id": "' || uid('user', audit_key) || '"}' end
            when 'account' then '{"locked": ' || case when action = 'account.lock' then 'true' else 'false' end || '}'
            when 'tenant' then '{"deleted": "' || strftime(created, '%Y-%m-%dT%H:%M:%SZ') || '"}'
            when 'api_key' then '{"key_suffix": "' || substr(md5(cast(audit_key as varchar)), 5, 4) || '"}'
        end as new_value,
        '{"request_id": "' || substr(md5('request' || audit_key), 1, 12) || '", "source": "'
            || case when rnd('audit_source', audit_key) < 0.8 then 'admin-console' else 'api' end || '"}' as metadata_value,
        rnd('audit_malformed', audit_key) as u_malformed
    from events
),

shaped as (
    select
        uid('audit', audit_key) as id,
        created,
        uid('admin', pick('admin', audit_key, 25)) as admin_user_id,
        maybe_messy(action, 'audit_messy', audit_key, 0.01) as action,
        case split_part(action, '.', 1)
            when 'role' then 'user' when 'permission' then 'user' when 'account' then 'user' when 'user' then 'user'
            when 'plan' then 'subscription' when 'tenant_config' then 'tenant' when 'tenant_policy' then 'tenant'
            when 'page' then 'console' when 'dashboard' then 'console' when 'ui' then 'console' when 'session' then 'console'
            else split_part(action, '.', 1)
        end as resource_type,
        case when split_part(action, '.', 1) like 'tenant%' then tenant_id else uid('resource', audit_key % 100003) end
            as resource_id,
        tenant_id,
        -- malformed JSON, one column at a time: a truncated write
        case when u_malformed < 0.005 then coalesce(left(old_value, 9), '{"a": ') else old_value end as old_values,
        case when u_malformed >= 0.005 and u_malformed < 0.01 then coalesce(left(new_value, 9), '{"a": ') else new_value end
            as new_values,
        case when u_malformed >= 0.01 and u_malformed < 0.015 then left(metadata_value, 14) else metadata_value end as metadata,
        case
            when rnd('audit_ip', audit_key) < 0.02 then null
            when rnd('audit_ip', audit_key) < 0.07 then '2001:db8::' || (audit_key % 65535)
            else '198.51.100.' || (audit_key % 250 + 1)
        end as ip_address,
        case when rnd('audit_ua', audit_key) < 0.03 then null else [
            'Mozilla/5.0 (Macintosh) Safari/605.1.15',
            'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
            'Mozilla/5.0 (Windows NT 10.0) Chrome/126.0',
            'curl/8.5.0'
        ][1 + pick('audit_ua_pick', audit_key, 4)] end as user_agent,
        case
            when rnd('audit_notes', audit_key) < 0.15 then 'ticket #' || (1000 + audit_key % 9000)
            when rnd('audit_notes', audit_key) < 0.17 then 'customer wrote: "please, undo this"' || chr(10) || 'see thread'
        end as notes,
        audit_key as _key
    from valued
),

amended as (
    -- an admin amends the notes of an event: the row again, in a later extract
    select *, extract_after(created) as _extracted_at, false as _is_retry from shaped
    union all
    select
        * replace (coalesce(notes, 'no ticket') || ' (amended)' as notes),
        extract_after(created) + to_days(1 + pick('amend_after', _key, 3)),
        true
    from shaped
    where rnd('audit_amended', _key) < 0.005
)

select * from amended
""",
    ),
)
