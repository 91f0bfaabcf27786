"""Tenants and billing: the tenants (`g_tenants`, the generator's roster every other entity hangs from), their
companies (workspaces), the plans and the tenants' subscriptions, each raw table with its later versions."""

from __future__ import annotations

from outreach_warehouse.demo.shared import LATEST_VERSION_PER_EXTRACT

# (name, statement): each statement creates one temp table or view, in dependency order.
STATEMENTS: tuple[tuple[str, str], ...] = (
    (
        "g_tenants",
        """
create or replace temp table g_tenants as
with drawn as (
    select
        t,
        case
            when t = 1 or (t > 2 and rnd('tenant_deleted', t) < 0.03) then 'in_history'
            when t = 2 then 'after_as_of'
        end as deletion,
        rnd('tenant_created', t) as u_created
    from range(getvariable('tenants')) as r (t)
),

signed_up as (
    -- most tenants sign up during the history; one in five is an older customer
    select
        *,
        case
            when t = 0 then getvariable('history_start') + interval 32 hour
            when deletion = 'in_history' then getvariable('history_start') + days(1 + u_created * 45)
            when t % 5 = 4 then getvariable('history_start') - days(30 + u_created * 210)
            else getvariable('history_start') + days(
                1 + u_created * ((epoch(getvariable('as_of')) - epoch(getvariable('history_start'))) / 86400 - 16)
            )
        end as drawn_created
    from drawn
),

anchored as (
    -- some sign up on the 29th to the 31st: billing anchors whose later months are shorter
    select
        *,
        case when deletion is null and t % 10 in (3, 6) then
            cast(make_date(
                year(drawn_created),
                month(drawn_created),
                case
                    when t % 10 = 3 then day(last_day(cast(drawn_created as date)))
                    else least(29, day(last_day(cast(drawn_created as date))))
                end
            ) as timestamptz) + (drawn_created - date_trunc('day', drawn_created))
        end as month_end_created
    from signed_up
),

tenants as (
    select
        t,
        deletion,
        case
            when month_end_created < getvariable('as_of') - interval 10 day then month_end_created
            else drawn_created
        end as created,
        ['Northwind', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Vandelay', 'Stark', 'Wayne', 'Acme',
         'Soylent', 'Cyberdyne', 'Tyrell', 'Wonka', 'Pied Piper', 'Aperture', 'Oscorp', 'Monarch',
         'Dunder', 'Sterling', 'Massive'][1 + pick('tenant_name', t, 20)] as brand,
        ['Labs', 'Group', 'Inc', 'GmbH', 'Ltd', 'Digital', 'Growth', 'Media'][1 + pick('tenant_suffix', t, 8)]
            as suffix
    from anchored
)

select
    t,
    uid('tenant', t) as id,
    brand || ' ' || suffix as name,
    lower(replace(brand, ' ', '')) || t as slug,
    created,
    greatest(created, getvariable('history_start')) as active_from,
    case deletion
        when 'in_history' then created + days(35 + rnd('tenant_deleted_at', t) * 25)
        when 'after_as_of' then getvariable('as_of') + interval 36 hour + seconds(rnd('tenant_deleted_at', t) * 14400)
    end as deleted,
    1 + pick('companies', t, 3) as companies,
    pick('extra_domains', t, 2) as extra_domains,
    cast(least(40, round((2 + rnd('mailboxes', t) * 6) * getvariable('size_factor'))) as integer) as mailboxes,
    4 + rnd('mailbox_gap', t) * 6 as mailbox_gap_days,
    cast(greatest(20, round(getvariable('leads_per_tenant') * (0.5 + rnd('leads', t)))) as bigint) as leads,
    cast(least(40, round((2 + rnd('campaigns', t) * 4) * getvariable('size_factor'))) as integer) as campaigns,
    2 + pick('audit_rate', t, 5) as audit_per_week,
    rnd('subscription_kind', t) as u_subscription
from tenants
""",
    ),
    (
        "tenants_out",
        """
create or replace temp table tenants_out as
with versions as (
    select t, id, name, created, created as updated, cast(null as timestamptz) as deleted from g_tenants
    union all
    -- the soft delete: a second version
    select t, id, name, created, deleted, deleted from g_tenants where deleted is not null
)

select id, name, created, updated, deleted, extract_after(updated) as _extracted_at
from versions
-- an extract copies a row's state once: a version superseded before it is never seen
qualify row_number() over (partition by id, extract_after(updated) order by updated desc) = 1
""",
    ),
    (
        "companies_out",
        """
create or replace temp table companies_out as
with companies as (
    select
        g.t * 8 + c as company_key,
        c,
        g.id as tenant_id,
        g.name as tenant_name,
        g.slug,
        g.deleted,
        g.created + seconds(300 + c * 1200 + rnd('company_created', g.t * 8 + c) * 600) as created,
        rnd('company_status', g.t * 8 + c) as u_status
    from g_tenants as g, range(3) as r (c)
    where c < g.companies
),

versions as (
    select *, 0 as v, 'active' as status_value, created as updated from companies
    union all
    -- a workspace suspended or archived later: a second version
    select
        *, 1, case when u_status < 0.95 then 'suspended' else 'archived' end,
        created + days(10 + rnd('company_change', company_key) * 30)
    from companies
    where u_status >= 0.9
)

select
    uid('company', company_key) as id,
    tenant_id,
    tenant_name || ' ' || ['Sales', 'Marketing', 'Partnerships'][c + 1] as name,
    slug || '-' || ['sales', 'marketing', 'partners'][c + 1] as workspace_name,
    maybe_messy(status_value, 'company_messy', company_key * 2 + v, 0.03) as status,
    created,
    updated,
""" + LATEST_VERSION_PER_EXTRACT,
    ),
    (
        "plans_out",
        """
create or replace temp table plans_out as
with plans as (
    select * from (values
        (0, 'Starter', 'starter', 5000, 3, 1, 5, 3, 2000, 2900, true),
        (1, 'Growth', 'growth', 25000, 10, 3, 20, 10, 10000, 7900, true),
        (2, 'Scale', 'scale', 100000, 40, 10, 100, 40, 50000, 19900, true),
        (3, 'Agency', 'agency', 500000, 200, 50, 500, 200, 250000, 49900, true),
        (4, 'Legacy Basic', 'legacy-basic', 3000, 2, 1, 3, 2, 1000, 1900, false)
    ) as v (p, name, slug, emails, accounts, domains, campaigns, warmups, contacts, price, is_active)
),

versions as (
    select *, cast('2024-06-01 00:00:00+00' as timestamptz) as updated from plans
    union all
    -- a price change during the history: a second version of the Growth plan
    select * replace (price + 2000 as price), getvariable('history_start') + interval 60 day + interval 9 hour
    from plans
    where p = 1
)

select
    uid('plan', p) as id,
    name,
    slug,
    emails as max_emails_per_month,
    accounts as max_email_accounts,
    domains as max_domains,
    campaigns as max_campaigns_per_month,
    warmups as max_warmups,
    contacts as max_contacts,
    price as price_monthly,
    is_active,
    cast('2024-06-01 00:00:00+00' as timestamptz) as created,
    updated,
    extract_after(updated) as _extracted_at
from versions
""",
    ),
    (
        "subscriptions_out",
        """
create or replace temp table subscriptions_out as
with subscriptions as (
    -- one in ten tenants never subscribes; one in four upgrades (an older canceled subscription, then
    -- a newer one); the others hold one, a deleted tenant's canceled at its deletion
    select
        g.t * 2 as subscription_key,
        g.id as tenant_id,
        case
            when g.u_subscription < 0.35 then pick('first_plan', g.t, 2)
            when g.u_subscription > 0.95 then 4
            else pick('plan', g.t, 4)
        end as plan,
        g.created + interval 15 minute as created,
        case
            when g.u_subscription < 0.35 and g.deleted is null then g.created + days(20 + rnd('upgrade', g.t) * 40)
            else g.deleted
        end as cancel_date,
        case when g.u_subscription between 0.85 and 0.9 then 'past_due'
            when g.u_subscription between 0.9 and 0.92 then 'unpaid' end as trouble
    from g_tenants as g
    where g.u_subscription >= 0.1
    union all
    select
        g.t * 2 + 1,
        g.id,
        2 + pick('upgrade_plan', g.t, 2),
        g.created + days(20 + rnd('upgrade', g.t) * 40),
        null,
        null
    from g_tenants as g
    where g.u_subscription between 0.1 and 0.35 and g.deleted is null
),

versions as (
    select *, 0 as v, 'active' as status_value, created as updated, cast(null as timestamptz) as version_cancel_date
    from subscriptions
    union all
    select *, 1, trouble, created + interval 1 month + interval 3 day, null
    from subscriptions
    where trouble is not null
    union all
    select *, 2, 'canceled', cancel_date, cancel_date
    from subscriptions
    where cancel_date is not null
),

periods as (
    -- the billing period of the subscription that contains the version's time
    select
        *,
        date_diff('month', created, updated)
            - case when created + to_months(date_diff('month', created, updated)) > updated then 1 else 0 end
            as period_number
    from versions
)

select
    uid('subscription', subscription_key) as id,
    tenant_id,
    uid('plan', plan) as plan_id,
    maybe_messy(status_value, 'subscription_messy', subscription_key * 4 + v, 0.03) as status,
    created + to_months(period_number) as current_period_start,
    created + to_months(period_number + 1) as current_period_end,
    version_cancel_date is not null as cancel_at_period_end,
    version_cancel_date as cancel_date,
    created,
    updated,
    extract_after(updated) as _extracted_at
from periods
qualify row_number() over (partition by id, extract_after(updated) order by updated desc, v desc) = 1
""",
    ),
)
