"""Mailboxes and warm-up: the tenants' sending domains and their DNS checks, the mailboxes (email accounts) on
them, and each mailbox's warm-up (its plan, outcome and pauses, which the warm-up messages follow)."""

from __future__ import annotations

from outreach_warehouse.demo.shared import LATEST_VERSION_PER_EXTRACT

# (name, statement): each statement creates one temp table or view, in dependency order.
STATEMENTS: tuple[tuple[str, str], ...] = (
    (
        "g_domains",
        """
create or replace temp table g_domains as
select
    g.t * 8 + d as domain_key,
    d,
    uid('domain', g.t * 8 + d) as id,
    g.id as tenant_id,
    g.deleted,
    uid('company', g.t * 8 + d % g.companies) as company_id,
    ['', 'get', 'try', 'hello', 'meet'][1 + d] || g.slug || '.'
        || ['com', 'io', 'co', 'net', 'app'][1 + pick('tld', g.t * 8 + d, 5)] as domain,
    g.created + seconds(3600 + d * 3600 + rnd('domain_created', g.t * 8 + d) * 3000) as created,
    case
        when d = 0 or rnd('domain_status', g.t * 8 + d) < 0.8 then 'verified'
        when rnd('domain_status', g.t * 8 + d) < 0.9 then 'pending'
        when rnd('domain_status', g.t * 8 + d) < 0.97 then 'failed'
        else 'error'
    end as final_status
from g_tenants as g, range(5) as r (d)
where d < g.companies + g.extra_domains
""",
    ),
    (
        "domains_out",
        """
create or replace temp table domains_out as
with versions as (
    select *, 0 as v, 'pending' as status_value, created as updated from g_domains
    union all
    -- DNS checks settle the status a few hours later
    select *, 1, final_status, created + seconds(1800 + rnd('domain_checked', domain_key) * 30 * 3600)
    from g_domains
    where final_status != 'pending'
)

select
    id,
    tenant_id,
    company_id,
    domain,
    maybe_messy(status_value, 'domain_messy', domain_key * 2 + v, 0.03) as verification_status,
    d = 0 as is_primary,
    case when status_value = 'verified' then updated end as verified,
    created,
    updated,
""" + LATEST_VERSION_PER_EXTRACT,
    ),
    (
        "g_mailboxes",
        """
create or replace temp table g_mailboxes as
with boxes as (
    -- three mailboxes on the first day (after the domains), then one every few days
    select
        g.t * 64 + j as mailbox_key,
        g.t,
        j,
        g.id as tenant_id,
        g.deleted,
        g.t * 8 + j % (g.companies + g.extra_domains) as domain_key,
        case
            when j < 3 then g.created + seconds(6 * 3600 + j * 7200 + rnd('mailbox_created', g.t * 64 + j) * 3600)
            else g.created + days((j - 2) * g.mailbox_gap_days + rnd('mailbox_created', g.t * 64 + j))
        end as created,
        rnd('warmup_kind', g.t * 64 + j) as u_warmup,
        rnd('warmup_plan', g.t * 64 + j) as u_plan
    from g_tenants as g, range(40) as r (j)
    where j < g.mailboxes
),

planned as (
    select
        *,
        case
            when u_plan < 0.03 then 0
            when u_plan < 0.06 then null
            else 14 + pick('warmup_days', mailbox_key, 17)
        end as warmup_planned_days,
        case when u_warmup >= 0.05 then created + seconds(600 + rnd('warmup_start', mailbox_key) * 6600) end
            as warmup_started,
        case
            when u_warmup < 0.05 then 'pending'
            when u_warmup < 0.2 then 'paused'
            when u_warmup < 0.35 then 'active'
            else 'completed'
        end as warmup_outcome
    from boxes
),

numbered as (
    select
        planned.*,
        row_number() over (order by mailbox_key) - 1 as ordinal,
        uid('mailbox', mailbox_key) as id,
        ['alex', 'sam', 'jordan', 'taylor', 'morgan', 'casey', 'riley', 'jamie'][1 + j % 8]
            || case when j >= 8 then cast(j // 8 as varchar) else '' end || '@' || d.domain as email,
        case
            when warmup_outcome = 'paused' then warmup_started + days(5 + rnd('warmup_paused', mailbox_key) * 10)
            when warmup_outcome = 'completed' then warmup_started + days(coalesce(nullif(warmup_planned_days, 0), 21))
        end as warmup_outcome_at
    from planned
    inner join g_domains as d on planned.domain_key = d.domain_key
)

select
    *,
    -- a few warming mailboxes are paused during the first days after the as-of (later extracts)
    case
        when ordinal % 29 = 3
            and (warmup_outcome = 'active' or (warmup_outcome = 'completed' and warmup_outcome_at < getvariable('as_of')))
            then getvariable('as_of') + days(0.5 + ordinal % 3)
    end as late_pause_at
from numbered
""",
    ),
    (
        "email_accounts_out",
        """
create or replace temp table email_accounts_out as
with versions as (
    select
        *,
        0 as v,
        case
            when ordinal % 41 = 7 then 'warming'
            when warmup_outcome = 'pending' then 'pending'
            else 'active'
        end as warmup_status_value,
        coalesce(warmup_started, created) as updated,
        cast(null as timestamptz) as last_warmed,
        0 as daily_count
    from g_mailboxes
    union all
    -- the warmup completes or is paused: a second version
    select *, 1, warmup_outcome, warmup_outcome_at, warmup_outcome_at, 10 + pick('daily_count', mailbox_key, 41)
    from g_mailboxes
    where warmup_outcome in ('paused', 'completed')
    union all
    select *, 2, 'paused', late_pause_at, late_pause_at, 10 + pick('daily_count', mailbox_key, 41)
    from g_mailboxes
    where late_pause_at is not null
)

select
    id,
    tenant_id,
    uid('domain', domain_key) as domain_id,
    email,
    case when mailbox_key % 20 < 10 then 'google' when mailbox_key % 20 < 17 then 'microsoft' else 'smtp' end
        as provider,
    maybe_messy(
        case
            when rnd('mailbox_status', mailbox_key) < 0.9 then 'active'
            when rnd('mailbox_status', mailbox_key) < 0.95 then 'paused'
            when rnd('mailbox_status', mailbox_key) < 0.98 then 'error'
            else 'disabled'
        end,
        'mailbox_messy', mailbox_key * 2 + v, 0.03
    ) as status,
    maybe_messy(warmup_status_value, 'warmup_messy', mailbox_key * 2 + v, 0.04) as warmup_status,
    warmup_started,
    warmup_planned_days,
    last_warmed,
    daily_count,
    created,
    updated,
""" + LATEST_VERSION_PER_EXTRACT,
    ),
)
