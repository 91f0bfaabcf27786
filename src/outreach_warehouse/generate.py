"""Generate realistic raw OLTP extracts, bad input included, inside DuckDB, deterministically.

Every random draw is a hash of (seed, salt, row key) mapped to [0, 1), and every id the md5 of (salt,
seed, key) shaped as a UUID: the same seed, size and as-of give the same rows whatever the parallelism
(DuckDB's `random()` is not reproducible across threads). Rows are built set-wise from `range()` and
`unnest(range(n))`; there is no Python row loop.

The generator models the whole timeline, base history and later days alike, and stamps every row with
the daily extract (01:00 UTC, the as-of's time of day) that first copies it. A load then writes the rows
of one extract window: the base load everything up to the as-of, increment day K the rows extracted in
(as-of + K-1 days, as-of + K days]. So increments are consistent with the base by construction. Like a real
provider's feed, a day carries new messages and their events, and late events for messages of any age (late
arrivals: opens, clicks, replies, unsubscribes, spam complaints, webhook replays of old events).

Output, in the connection's temp catalog (nothing is left in a database file): one relation
`<raw table>_out` per raw table with its columns and `_extracted_at` (a table, or, for the big ones, a
view building the text ids over a narrow `g_*` table of integer keys), and `CENSUS_CASES`, the
bad-input cases of models/docs/rules_sources_and_bad_input.md counted on the generated rows.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from typing import Callable

import duckdb

DEFAULT_AS_OF = datetime(2026, 1, 1, 1, 0, tzinfo=timezone.utc)
HISTORY_DAYS = 120
# an increment regenerates the regular events of the messages sent this long before its window only: they and
# their webhook retries arrive within 60 days of the send (see g_events). Late arrivals reach messages of any age
INCREMENT_LOOKBACK_DAYS = 70
# late arrivals, what providers send for old messages of any age: an open or click of an old email, a late reply,
# an unsubscribe, a spam complaint, or a webhook replaying an old event. Each delivered message draws a sequence of
# them (from two days after its delivery, exponential gaps of this mean, at most three), so a day's extract carries
# late events for about 1/LATE_ARRIVAL_MEAN_DAYS of the messages, whatever their age: with the day's new messages
# and their events, a day changes 2-3% of the messages and touches most tenants' billing periods
LATE_ARRIVAL_MEAN_DAYS = 150
CAMPAIGN_SHARE = 0.8
# share of an enrolment's email steps that are sent before the as-of (outcomes stop sequences early,
# and enrolments near the as-of have later steps still to come); calibrates --messages
SENT_STEP_SHARE = 0.85

EVENT_TYPES = ("delivered", "opened", "clicked", "replied", "bounced", "unsubscribed", "spam_complaint")
MESSAGE_TYPES = ("campaign", "warmup")
CAMPAIGN_STATUSES = ("draft", "scheduled", "sending", "completed", "paused")
ENROLMENT_STATUSES = ("queued", "active", "completed", "replied", "bounced", "unsubscribed", "stopped")
WARMUP_STATUSES = ("pending", "active", "completed", "paused")
MAILBOX_STATUSES = ("active", "paused", "error", "disabled")
LEAD_STATUSES = ("active", "unsubscribed", "bounced")
COMPANY_STATUSES = ("active", "suspended", "archived")
DOMAIN_STATUSES = ("pending", "verified", "failed", "error")
SUBSCRIPTION_STATUSES = ("active", "past_due", "canceled", "unpaid")
UNKNOWN_AUDIT_ACTIONS = ("api_key.rotate", "sso.configure", "webhook.update")


@dataclass(frozen=True)
class LoadSpec:
    """One extract to generate: the base history (increment_day 0) or the K-th later daily extract."""

    messages: int
    seed: int
    as_of: datetime = DEFAULT_AS_OF
    increment_day: int = 0

    def __post_init__(self) -> None:
        if self.messages < 1000:
            raise ValueError("--messages must be at least 1000")
        if self.increment_day < 0:
            raise ValueError("--increment-day must be 0 (the base load) or a positive day number")
        if self.as_of.tzinfo is None:
            raise ValueError("the as-of must carry a time zone")

    @property
    def horizon(self) -> datetime:
        """The as-of of the extract being written (its `_extracted_at`)."""
        return self.as_of + timedelta(days=self.increment_day)

    @property
    def window_start(self) -> datetime | None:
        """Rows extracted after this belong to the extract (None: the whole history)."""
        return self.as_of + timedelta(days=self.increment_day - 1) if self.increment_day else None

    @property
    def history_start(self) -> datetime:
        """The first daily extract: rows older than the history are first copied then."""
        return self.as_of - timedelta(days=HISTORY_DAYS)

    @property
    def tenants(self) -> int:
        """Tenants grow sub-linearly with volume: 20 at 50k messages, about 1,000 at 10M."""
        return max(3, round(20 * (self.messages / 50_000) ** 0.75))

    @property
    def size_factor(self) -> float:
        """Bigger tenants (more messages each) run more mailboxes and campaigns."""
        return max(1.0, (self.messages / self.tenants / 2500) ** 0.5)


def _utc(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S+00")


def _sql_list(values: list[str] | tuple[str, ...]) -> str:
    return "[" + ", ".join("'" + value.replace("'", "''") + "'" for value in values) + "]"


def read_policy_actions(policy_csv: Path) -> tuple[list[str], list[str]]:
    """The audit policy seed's in-scope and low-risk (out of scope) actions."""
    with policy_csv.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    in_scope = [row["action"] for row in rows if row["in_scope"].strip().lower() == "true"]
    low_risk = [row["action"] for row in rows if row["in_scope"].strip().lower() != "true"]
    return in_scope, low_risk


def declare(connection: duckdb.DuckDBPyConnection, spec: LoadSpec, policy_csv: Path) -> None:
    """Session variables and temp macros the generator statements read."""
    in_scope, low_risk = read_policy_actions(policy_csv)
    # messages are sent from the history's start; an increment generates the regular events of recent ones only
    cutoff = (
        spec.history_start
        if spec.window_start is None
        else max(spec.history_start, spec.window_start - timedelta(days=INCREMENT_LOOKBACK_DAYS))
    )
    variables = {
        "seed": str(int(spec.seed)),
        "as_of": f"cast('{_utc(spec.as_of)}' as timestamptz)",
        "horizon": f"cast('{_utc(spec.horizon)}' as timestamptz)",
        "history_start": f"cast('{_utc(spec.history_start)}' as timestamptz)",
        "cutoff": f"cast('{_utc(cutoff)}' as timestamptz)",
        "late_mean_days": repr(float(LATE_ARRIVAL_MEAN_DAYS)),
        "tenants": str(spec.tenants),
        "size_factor": repr(spec.size_factor),
        "leads_per_tenant": repr(0.4 * spec.messages / spec.tenants),
        "campaign_messages": str(round(CAMPAIGN_SHARE * spec.messages)),
        "warmup_messages": str(round((1 - CAMPAIGN_SHARE) * spec.messages)),
        "sent_step_share": repr(SENT_STEP_SHARE),
        "in_scope_actions": _sql_list(in_scope),
        "low_risk_actions": _sql_list(low_risk),
        "unknown_actions": _sql_list(UNKNOWN_AUDIT_ACTIONS),
    }
    connection.execute("set TimeZone = 'UTC'")
    for name, value in variables.items():
        connection.execute(f"set variable {name} = {value}")
    for statement in MACROS:
        connection.execute(statement)


def generate(
    connection: duckdb.DuckDBPyConnection, spec: LoadSpec, policy_csv: Path,
    progress: Callable[[str], None] | None = None,
) -> None:
    """Create the temp tables `<raw table>_out` (and the internal `g_*` ones) in the connection; `progress`
    hears of each step (long loads take minutes)."""
    declare(connection, spec, policy_csv)
    for index, (name, statement) in enumerate(STATEMENTS, 1):
        if progress is not None:
            progress(f"generating {name} ({index}/{len(STATEMENTS)})")
        try:
            connection.execute(statement)
        except duckdb.Error as error:
            raise RuntimeError(f"generating {name}: {error}") from error


# Temp macros, so that nothing is left behind in a target database file.
MACROS: tuple[str, ...] = (
    # a deterministic draw in [0, 1) for a salt and a row key. DuckDB's multi-argument hash() combines
    # its arguments' hashes weakly (draws of two salts for one key correlate at about -0.6), so the
    # combination is hashed again
    "create or replace temp macro rnd(salt, k) as hash(hash(getvariable('seed'), salt, k)) / 18446744073709551616.0",
    # a deterministic integer in [0, n)
    "create or replace temp macro pick(salt, k, n) as cast(floor(rnd(salt, k) * n) as bigint)",
    # a UUID-shaped id: the md5 of salt, seed and key
    """create or replace temp macro uid(salt, k) as
        cast(cast(md5_number(salt || ':' || getvariable('seed') || ':' || k) as uuid) as varchar)""",
    "create or replace temp macro seconds(x) as to_seconds(cast(floor(x) as bigint))",
    "create or replace temp macro days(x) as to_seconds(cast(floor(x * 86400) as bigint))",
    # the daily extract (at the as-of's time of day) at or after ts; the first extract copies older rows
    """create or replace temp macro extract_after(ts) as greatest(
        getvariable('history_start'),
        getvariable('as_of')
            - to_seconds(86400 * cast(floor((epoch(getvariable('as_of')) - epoch(ts)) / 86400) as bigint))
    )""",
    # a vocabulary value as a careless client writes it: upper case, capitalised, padded
    """create or replace temp macro messy(v, k) as case hash(hash(getvariable('seed'), 'messy_form', k)) % 4
        when 0 then upper(v)
        when 1 then '  ' || upper(v[1]) || v[2:]
        when 2 then upper(v[1]) || v[2:] || ' '
        else ' ' || upper(v) || ' '
    end""",
    "create or replace temp macro maybe_messy(v, salt, k, share) as case when rnd(salt, k) < share then messy(v, k) else v end",
    "create or replace temp macro before_deletion(ts, deleted) as (deleted is null or ts <= deleted)",
)

# (name, statement): each statement creates one temp table, in dependency order.
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
    extract_after(updated) as _extracted_at
from versions
where before_deletion(updated, deleted)
qualify row_number() over (partition by id, extract_after(updated) order by updated desc, v desc) = 1
""",
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
    extract_after(updated) as _extracted_at
from versions
where before_deletion(updated, deleted)
qualify row_number() over (partition by id, extract_after(updated) order by updated desc, v desc) = 1
""",
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
    extract_after(updated) as _extracted_at
from versions
where before_deletion(updated, deleted)
qualify row_number() over (partition by id, extract_after(updated) order by updated desc, v desc) = 1
""",
    ),
    (
        "g_leads",
        """
create or replace temp table g_leads as
with per_tenant as (
    select
        t,
        id as tenant_id,
        created,
        active_from,
        deleted,
        cast(ceil(0.85 * leads) as bigint) as imported,
        unnest(range(leads)) as l
    from g_tenants
)

-- most leads are imported in three batches during the first week; the rest trickle in, also after
-- the as-of (new leads in later extracts)
select
    t * 16777216 + l as lead_key,
    t,
    l,
    tenant_id,
    deleted,
    case
        when l < imported then created + seconds((1 + 3 * (l % 3)) * 86400 + rnd('lead_created', t * 16777216 + l) * 21600)
        else active_from + interval 12 day + seconds(
            rnd('lead_created', t * 16777216 + l)
            * (epoch(getvariable('as_of')) + 30 * 86400 - epoch(active_from + interval 12 day))
        )
    end as created
from per_tenant
""",
    ),
    (
        "g_campaigns",
        """
create or replace temp table g_campaigns as
with campaigns as (
    -- each tenant creates its campaigns one after another over about a hundred days
    select
        g.t * 64 + j as campaign_key,
        g.t,
        j,
        g.id as tenant_id,
        g.deleted,
        cast(ceil(0.85 * g.leads) as bigint) as leads_imported,
        uid('company', g.t * 8 + j % g.companies) as company_id,
        greatest(g.created, getvariable('history_start') - interval 20 day) + interval 10 day
            + days((j + rnd('campaign_created', g.t * 64 + j)) * 100 / g.campaigns) as created,
        rnd('campaign_draft', g.t * 64 + j) < 0.06 as is_draft,
        14 + rnd('campaign_window', g.t * 64 + j) * 31 as window_days,
        50 + pick('campaign_intensity', g.t * 64 + j, 101) as intensity,
        ['Q1 outbound', 'Founders intro', 'Webinar follow-up', 'Partner program', 'Re-engagement',
         'Product launch', 'Cold intro', 'Case study', 'Event invite', 'Pricing update'][1 + pick('campaign_name', g.t * 64 + j, 10)]
            as theme
    from g_tenants as g, range(40) as r (j)
    where j < g.campaigns
),

scheduled as (
    select
        *,
        case when not is_draft then created + days(1 + rnd('campaign_scheduled', campaign_key) * 2) end as scheduled,
        case
            when not is_draft and rnd('campaign_paused', campaign_key) < 0.1
                then created + days(1 + rnd('campaign_scheduled', campaign_key) * 2)
                    + days(rnd('campaign_paused_at', campaign_key) * window_days)
        end as paused_at
    from campaigns
),

eligible as (
    -- campaigns send from mailboxes that existed when they were created
    select c.campaign_key, count(*) as sending_mailboxes
    from scheduled as c
    inner join g_mailboxes as m on c.t = m.t and m.created <= c.created
    group by c.campaign_key
)

select
    scheduled.*,
    row_number() over (order by scheduled.created, scheduled.campaign_key) - 1 as ordinal,
    uid('campaign', scheduled.campaign_key) as id,
    greatest(1, coalesce(eligible.sending_mailboxes, 0)) as sending_mailboxes
from scheduled
left join eligible on scheduled.campaign_key = eligible.campaign_key
-- a deleted tenant creates no more campaigns
where before_deletion(scheduled.created, scheduled.deleted)
""",
    ),
    (
        "g_steps",
        """
create or replace temp table g_steps as
with steps as (
    -- three to seven steps: first and last send an email; between them waits, conditions and emails
    select
        c.campaign_key * 8 + k as step_key,
        c.campaign_key,
        c.t,
        c.created,
        c.deleted,
        c.sending_mailboxes,
        k,
        case
            when k = 0 or k = c.steps - 1 then 'email'
            when rnd('step_type', c.campaign_key * 8 + k) < 0.45 then 'wait'
            when rnd('step_type', c.campaign_key * 8 + k) < 0.6 then 'condition'
            else 'email'
        end as step_type
    from (select *, 3 + pick('steps', campaign_key, 5) as steps from g_campaigns) as c, range(7) as r (k)
    where k < c.steps
),

timed as (
    select
        *,
        24 * (1 + pick('wait_days', step_key, 4)) + 12 * pick('wait_half', step_key, 2) as wait_hours,
        case when step_type = 'email' and rnd('step_mailbox', step_key) < 0.5 then
            t * 64 + pick('step_mailbox_pick', step_key, sending_mailboxes)
        end as mailbox_key
    from steps
)

select
    *,
    uid('step', step_key) as id,
    case when step_type = 'wait' then wait_hours when step_type = 'email' then 0 end as wait_duration_hours,
    -- an email step is followed by a day's pause, a wait step by its duration
    cast(coalesce(sum(case step_type when 'wait' then wait_hours when 'email' then 24 else 0 end) over (
        partition by campaign_key order by k rows between unbounded preceding and 1 preceding
    ), 0) as integer) as offset_hours,
    case when step_type = 'email' then
        cast(sum(case when step_type = 'email' then 1 else 0 end) over (partition by campaign_key order by k) as integer)
    end as email_no
from timed
""",
    ),
    (
        "campaign_sequence_steps_out",
        """
create or replace temp table campaign_sequence_steps_out as
select
    id,
    uid('campaign', campaign_key) as campaign_id,
    k + 1 as step_order,
    step_type,
    case when mailbox_key is not null then uid('mailbox', mailbox_key) end as email_account_id,
    case when step_type = 'email' then uid('template', step_key) end as template_id,
    case when step_type = 'email' and rnd('subject', step_key) < 0.3 then
        ['Quick question', 'Following up', 'Re: our chat', 'One more idea', 'Worth a look?'][1 + pick('subject_pick', step_key, 5)]
    end as subject_override,
    wait_duration_hours,
    step_type = 'email' or rnd('step_inactive', step_key) >= 0.03 as is_active,
    created + to_minutes(k) as created,
    created + to_minutes(k) as updated,
    extract_after(created + to_minutes(k)) as _extracted_at
from g_steps
""",
    ),
    (
        "g_campaign_volumes",
        """
create or replace temp table g_campaign_volumes as
with sequences as (
    select
        campaign_key,
        count(*) filter (where step_type = 'email') as email_steps,
        list(offset_hours order by email_no) filter (where step_type = 'email') as email_offsets,
        list(k + 1 order by email_no) filter (where step_type = 'email') as email_step_orders
    from g_steps
    group by campaign_key
),

windows as (
    -- leads are enrolled evenly over the campaign's window, until it ends or is paused
    select
        c.*,
        s.email_steps,
        s.email_offsets,
        s.email_step_orders,
        cast(floor((epoch(least(c.scheduled + days(c.window_days), coalesce(c.paused_at, 'infinity')))
            - epoch(c.scheduled)) / 60) as bigint) as window_minutes,
        cast(greatest(0, floor((epoch(least(
            c.scheduled + days(c.window_days),
            coalesce(c.paused_at, 'infinity'),
            coalesce(c.deleted, 'infinity'),
            getvariable('as_of')
        )) - epoch(c.scheduled)) / 60)) as bigint) as minutes_before_as_of
    from g_campaigns as c
    inner join sequences as s on c.campaign_key = s.campaign_key
    where not c.is_draft
),

weights as (
    -- integer sums: the scale is the same whatever the order of the parallel aggregation
    select sum(intensity * minutes_before_as_of * email_steps) as weight from windows
)

select
    windows.*,
    cast(least(
        windows.leads_imported,
        round(
            getvariable('campaign_messages') * windows.intensity * windows.window_minutes
            / (nullif(weights.weight, 0) * getvariable('sent_step_share'))
        )
    ) as bigint) as enrolments
from windows, weights
""",
    ),
    (
        "g_enrolments",
        """
create or replace temp table g_enrolments as
with enrolled as (
    select
        c.campaign_key * 16777216 + e as enrolment_key,
        c.*,
        e,
        c.scheduled + seconds((e + rnd('enrolled', c.campaign_key * 16777216 + e)) / c.enrolments * c.window_minutes * 60)
            as enrolled
    from (select *, unnest(range(enrolments)) as e from g_campaign_volumes where enrolments > 0) as c
),

drawn as (
    select
        *,
        t * 16777216 + (pick('lead_offset', campaign_key, leads_imported) + e) % leads_imported as lead_key,
        seconds(300 + rnd('queue_delay', enrolment_key) * 10500) as queue_delay,
        rnd('outcome', enrolment_key) as u_outcome,
        1 + pick('outcome_step', enrolment_key, email_steps) as outcome_no
    from enrolled
),

outcomes as (
    select
        *,
        case
            when u_outcome < 0.02 then 'queued'
            when u_outcome < 0.04 then 'bounced'
            when u_outcome < 0.105 then 'replied'
            when u_outcome < 0.12 then 'unsubscribed'
            when u_outcome < 0.155 then 'stopped'
            else 'completed'
        end as outcome
    from drawn
),

sequenced as (
    select
        *,
        case outcome when 'queued' then 0 when 'bounced' then 1 when 'completed' then email_steps else outcome_no end
            as last_email_no,
        -- when the email step of the outcome is sent, and the hours until the next one
        enrolled + queue_delay
            + to_hours(email_offsets[case outcome when 'bounced' then 1 when 'completed' then email_steps else outcome_no end])
            + seconds(rnd('send_jitter', enrolment_key * 8
                + case outcome when 'bounced' then 1 when 'completed' then email_steps else outcome_no end) * 5400)
            as outcome_send,
        case when outcome_no < email_steps then email_offsets[outcome_no + 1] - email_offsets[outcome_no] end
            as hours_to_next
    from outcomes
),

timed as (
    select
        *,
        case outcome
            when 'bounced' then outcome_send + seconds(30 + rnd('outcome_at', enrolment_key) * 570)
            when 'replied' then outcome_send + case
                when hours_to_next is not null
                    then seconds((0.05 + 0.85 * rnd('outcome_at', enrolment_key)) * hours_to_next * 3600)
                when rnd('late_reply', enrolment_key) < 0.15 then days(7 + rnd('outcome_at', enrolment_key) * 23)
                else seconds(3600 + rnd('outcome_at', enrolment_key) * 6 * 86400)
            end
            when 'unsubscribed' then outcome_send
                + seconds(3600 + rnd('outcome_at', enrolment_key) * (least(coalesce(hours_to_next, 48), 48) - 1) * 3600)
            when 'stopped' then outcome_send
                + seconds(7200 + rnd('outcome_at', enrolment_key) * (coalesce(hours_to_next, 72) - 2) * 3600)
            when 'completed' then outcome_send + interval 1 day
        end as outcome_at
    from sequenced
)

select
    enrolment_key,
    campaign_key,
    t,
    lead_key,
    t * 64 + pick('pool_mailbox', enrolment_key, sending_mailboxes) as pool_mailbox_key,
    enrolled,
    queue_delay,
    outcome,
    outcome_no,
    last_email_no,
    outcome_at,
    -- a paused campaign, or a deleted tenant, no longer updates its enrolments
    coalesce(outcome_at < coalesce(paused_at, 'infinity') and before_deletion(outcome_at, deleted), false)
        as is_outcome_recorded,
    email_step_orders[greatest(last_email_no, 1)] as last_step_order,
    email_step_orders[1] as first_step_order,
    paused_at,
    deleted
from timed
""",
    ),
    (
        "campaigns_out",
        """
create or replace temp table campaigns_out as
with ends as (
    select
        c.*,
        v.scheduled + days(v.window_days) + to_hours(v.email_offsets[v.email_steps]) + interval 2 day as completed_at
    from g_campaigns as c
    left join g_campaign_volumes as v on c.campaign_key = v.campaign_key
),

versions as (
    select *, 0 as v, case when is_draft then 'draft' else 'scheduled' end as status_value, created as updated
    from ends
    union all
    select *, 1, 'sending', scheduled from ends where not is_draft
    union all
    select *, 2, 'paused', paused_at from ends where paused_at is not null
    union all
    select *, 2, 'completed', completed_at from ends where not is_draft and paused_at is null
)

select
    id,
    tenant_id,
    company_id,
    theme || ' #' || (j + 1) as name,
    'Sequence "' || theme || '" for '
        || ['founders', 'heads of sales', 'marketing leads', 'CTOs'][1 + pick('audience', campaign_key, 4)] as description,
    -- a status left over from an old OLTP version, out of today's vocabulary
    case
        when ordinal % 53 = 7 then 'archived_legacy'
        else maybe_messy(status_value, 'campaign_messy', campaign_key * 4 + v, 0.03)
    end as status,
    scheduled,
    case when status_value = 'completed' then updated end as completed,
    created,
    updated,
    extract_after(updated) as _extracted_at
from versions
where before_deletion(updated, deleted)
qualify row_number() over (partition by id, extract_after(updated) order by updated desc, v desc) = 1
""",
    ),
    (
        "g_enrolment_versions",
        """
create or replace temp table g_enrolment_versions as
with ends as (
    select
        *,
        is_outcome_recorded and outcome != 'queued' and before_deletion(outcome_at, deleted) as has_end,
        outcome = 'stopped' and rnd('on_hold', enrolment_key) < 0.03 as is_on_hold
    from g_enrolments
),

versions as (
    -- the enrolment, then its end (a second version, unless the same extract copies only the end)
    select
        enrolment_key, campaign_key, lead_key, 0 as v,
        case when outcome = 'queued' then 'queued' else 'active' end as status_value,
        case when outcome = 'queued' then 0 else first_step_order end as current_step_order,
        enrolled,
        cast(null as timestamptz) as completed,
        enrolled as updated
    from ends
    where before_deletion(enrolled, deleted)
        and not (has_end and extract_after(outcome_at) = extract_after(enrolled))
    union all
    select
        enrolment_key, campaign_key, lead_key, 1,
        case when is_on_hold then 'on_hold' else outcome end,
        last_step_order,
        enrolled,
        case when outcome in ('completed', 'replied') then outcome_at end,
        outcome_at
    from ends
    where has_end
)

select
    *,
    case when status_value = 'on_hold' then status_value
        else maybe_messy(status_value, 'enrolment_messy', enrolment_key * 2 + v, 0.02) end as status,
    extract_after(updated) as _extracted_at
from versions
""",
    ),
    (
        "campaign_leads_out",
        """
create or replace temp view campaign_leads_out as
select
    uid('campaign', campaign_key) as campaign_id,
    uid('lead', lead_key) as lead_id,
    status,
    current_step_order,
    enrolled,
    completed,
    updated,
    _extracted_at
from g_enrolment_versions
""",
    ),
    (
        "g_lead_versions",
        """
create or replace temp table g_lead_versions as
with lead_ends as (
    -- a lead that bounced or unsubscribed in any campaign changes status once, at the first time
    select lead_key, outcome, outcome_at
    from g_enrolments
    where outcome in ('bounced', 'unsubscribed') and is_outcome_recorded
    qualify row_number() over (partition by lead_key order by outcome_at, enrolment_key) = 1
),

leads as (
    select l.*, o.outcome, o.outcome_at
    from g_leads as l
    left join lead_ends as o on l.lead_key = o.lead_key
),

versions as (
    select lead_key, t, l, 0 as v, 'active' as status_value, created, created as updated
    from leads
    where before_deletion(created, deleted)
        and not (outcome is not null and extract_after(outcome_at) = extract_after(created))
    union all
    select lead_key, t, l, 1, outcome, created, outcome_at
    from leads
    where outcome is not null and before_deletion(outcome_at, deleted)
)

select
    *,
    maybe_messy(status_value, 'lead_messy', lead_key * 2 + v, 0.01) as status,
    extract_after(updated) as _extracted_at
from versions
""",
    ),
    (
        "leads_out",
        """
create or replace temp view leads_out as
with named as (
    select
        *,
        ['Ava', 'Liam', 'Noah', 'Emma', 'Mia', 'Lucas', 'Zoe', 'Omar', 'Yuki', 'Priya', 'Mateo', 'Chloe',
         'Ethan', 'Sara', 'Leo', 'Nina', 'Ivan', 'Aisha', 'Jonas', 'Elena'][1 + pick('first_name', lead_key, 20)]
            as first_name,
        ['Smith', 'Garcia', 'Kim', 'Muller', 'Rossi', 'Nguyen', 'Khan', 'Silva', 'Novak', 'Cohen', 'Dubois',
         'Tanaka', 'Larsen', 'Ortiz', 'Patel', 'Brown', 'Weber', 'Moreau', 'Costa', 'Berg'][1 + pick('last_name', lead_key, 20)]
            as last_name,
        ['Blue Harbor', 'Quantum Leaf', 'Red Rock', 'Silver Pine', 'Bright Path', 'Iron Gate', 'Green Field',
         'North Star', 'Open Loop', 'Clear Sky'][1 + pick('lead_company', lead_key, 10)] as company_brand
    from g_lead_versions
)

select
    uid('lead', lead_key) as id,
    uid('tenant', t) as tenant_id,
    lower(first_name) || '.' || lower(last_name) || '.' || l || '@' || lower(replace(company_brand, ' ', '')) || '.example'
        as email,
    first_name || ' ' || last_name as name,
    company_brand || ' ' || ['Inc', 'LLC', 'GmbH', 'Ltd', 'SA', 'BV'][1 + pick('lead_company_suffix', lead_key, 6)]
        as company,
    status,
    created,
    updated,
    _extracted_at
from named
""",
    ),
    (
        "g_messages",
        """
create or replace temp table g_messages as
with campaign_sends as (
    -- an enrolment sends its email steps in order until its outcome
    select
        e.enrolment_key * 8 + e.email_no as message_key,
        'campaign' as kind,
        e.t,
        e.campaign_key,
        s.step_key,
        e.lead_key,
        coalesce(s.mailbox_key, e.pool_mailbox_key) as mailbox_key,
        e.enrolled + e.queue_delay + to_hours(s.offset_hours)
            + seconds(rnd('send_jitter', e.enrolment_key * 8 + e.email_no) * 5400) as real_time,
        case
            when e.outcome = 'bounced' and e.email_no = 1 then 'bounced'
            when e.outcome in ('replied', 'unsubscribed') and e.email_no = e.outcome_no then e.outcome
        end as forced_event,
        e.outcome_at as forced_at,
        e.paused_at
    from (select *, unnest(range(1, last_email_no + 1)) as email_no from g_enrolments) as e
    inner join g_steps as s on e.campaign_key = s.campaign_key and e.email_no = s.email_no
),

warmup_days as (
    -- warmup volume ramps up over three weeks, then holds (at half once the warmup is completed)
    select
        m.*,
        m.warmup_started + to_days(m.d) as day_start,
        cast(round(1000 * least(1, (m.d + 1) / 21.0)
            * case when m.warmup_outcome = 'completed' and m.warmup_started + to_days(m.d) >= m.warmup_outcome_at
                then 0.5 else 1 end
            * (0.7 + 0.6 * rnd('warmup_day', m.mailbox_key * 4096 + m.d))) as bigint) as weight
    from (
        select
            *,
            unnest(range(
                cast(greatest(0, floor((epoch(getvariable('history_start')) - epoch(warmup_started)) / 86400)) as bigint),
                cast(ceil((epoch(getvariable('horizon')) - epoch(warmup_started)) / 86400) as bigint)
            )) as d,
            coalesce(case when warmup_outcome = 'paused' then warmup_outcome_at end, late_pause_at) as warmup_stopped_at
        from g_mailboxes
        where warmup_started is not null
    ) as m
    where m.warmup_started + to_days(m.d) < coalesce(m.warmup_stopped_at, 'infinity')
),

warmup_scale as (
    select sum(weight) as weight
    from warmup_days
    where day_start < getvariable('as_of') and before_deletion(day_start, deleted)
),

warmup_sends as (
    select
        1125899906842624 + (w.mailbox_key * 4096 + w.d) * 1024 + w.n as message_key,
        'warmup' as kind,
        w.t,
        cast(null as bigint) as campaign_key,
        cast(null as bigint) as step_key,
        cast(null as bigint) as lead_key,
        w.mailbox_key,
        w.day_start + seconds(rnd('warmup_sent', (w.mailbox_key * 4096 + w.d) * 1024 + w.n) * 86400) as real_time,
        case when rnd('warmup_reply', (w.mailbox_key * 4096 + w.d) * 1024 + w.n) < 0.05 then 'replied' end
            as forced_event,
        cast(null as timestamptz) as forced_at,
        w.warmup_stopped_at as paused_at
    from (
        select
            w.*,
            unnest(range(least(1023, cast(floor(
                w.weight * getvariable('warmup_messages') / s.weight
                + rnd('warmup_rounding', w.mailbox_key * 4096 + w.d)
            ) as bigint)))) as n
        from warmup_days as w, warmup_scale as s
        where w.day_start >= getvariable('history_start') - interval 1 day
    ) as w
),

sends as (
    select * from campaign_sends
    union all
    select * from warmup_sends
),

kept as (
    -- a deleted tenant mostly stops sending, but a trickle leaks through (bad input)
    select s.*, g.created as tenant_created, g.deleted as tenant_deleted
    from sends as s
    inner join g_tenants as g on s.t = g.t
    where s.real_time < coalesce(s.paused_at, 'infinity')
        and (before_deletion(s.real_time, g.deleted) or rnd('after_deletion', s.message_key) < 0.05)
        and s.real_time >= getvariable('history_start')
        and s.real_time <= getvariable('horizon')
),

cased as (
    -- bad input on a small share of messages, each case its own slice of one draw (a deleted tenant's
    -- messages are bad input enough)
    select
        *,
        case when tenant_deleted is null then
            case
                when rnd('message_case', message_key) < 0.001 then 'null_id'
                when rnd('message_case', message_key) < 0.002 then 'unknown_type'
                when rnd('message_case', message_key) < 0.003 then 'unknown_tenant'
                when rnd('message_case', message_key) < 0.004 then 'unknown_mailbox'
                when rnd('message_case', message_key) < 0.0045 then 'missing_campaign'
                when rnd('message_case', message_key) < 0.005 then 'missing_step'
                when rnd('message_case', message_key) < 0.0055 then 'missing_lead'
                when rnd('message_case', message_key) < 0.006 then 'future_sent_at'
                when rnd('message_case', message_key) < 0.0065 then 'before_tenant_created'
            end
        end as bad_case
    from kept
)

select
    message_key as _key,
    kind as _kind,
    t,
    campaign_key,
    step_key,
    lead_key,
    mailbox_key,
    bad_case as _case,
    coalesce(bad_case, '') != 'unknown_type' and rnd('message_messy', message_key) < 0.005 as _messy_type,
    case bad_case
        when 'future_sent_at' then cast('2099-01-01 00:00:00+00' as timestamptz) + seconds(rnd('future', message_key) * 300 * 86400)
        when 'before_tenant_created' then tenant_created - seconds(3600 + rnd('early', message_key) * 3 * 86400)
        else real_time
    end as sent_at,
    -- queued moments before the send, within the same daily extract
    greatest(
        real_time - seconds(1 + rnd('queued', message_key) * (case when kind = 'campaign' then 300 else 30 end)),
        extract_after(real_time) - interval 1 day + interval 1 second
    ) as created,
    extract_after(real_time) as _extracted_at,
    real_time as _real_time,
    forced_event as _forced_event,
    forced_at as _forced_at,
    tenant_created as _tenant_created,
    tenant_deleted as _tenant_deleted,
    -- a message without an id, or not sent yet (far-future date), has no provider events
    coalesce(bad_case, '') not in ('null_id', 'future_sent_at') as _has_events
from cased
""",
    ),
    (
        "email_messages_out",
        """
create or replace temp view email_messages_out as
select
    case when _case = 'null_id' then null else uid('message', _key) end as id,
    case when _case = 'unknown_tenant' then uid('ghost_tenant', _key) else uid('tenant', t) end as tenant_id,
    case
        when _case = 'unknown_type' then ['transactional', 'bulk', 'test'][1 + pick('unknown_type', _key, 3)]
        when _messy_type then messy(_kind, _key)
        else _kind
    end as message_type,
    case when campaign_key is not null and coalesce(_case, '') != 'missing_campaign' then uid('campaign', campaign_key) end
        as campaign_id,
    case when step_key is not null and coalesce(_case, '') != 'missing_step' then uid('step', step_key) end as step_id,
    case when lead_key is not null and coalesce(_case, '') != 'missing_lead' then uid('lead', lead_key) end as lead_id,
    case when _case = 'unknown_mailbox' then uid('ghost_mailbox', _key) else uid('mailbox', mailbox_key) end
        as email_account_id,
    sent_at,
    created,
    _extracted_at
from g_messages
""",
    ),
    (
        "g_events",
        """
create or replace temp table g_events as
with messages as materialized (
    -- every message of the history: its late arrivals can come at any age; its regular events are generated
    -- only when it is recent enough (an increment's cutoff) to have some in the extract
    select
        _key as k,
        sent_at,
        _real_time as real_time,
        _kind as kind,
        _forced_event as forced_event,
        _forced_at as forced_at,
        rnd('fate', _key) as u_fate,
        _real_time >= getvariable('cutoff') as recent
    from g_messages
    where _has_events
),

fated as (
    -- what the provider reports: silence, a soft bounce (retried or not), a hard bounce, or delivery
    select
        *,
        case
            when forced_event = 'bounced' then 'hard_bounce'
            when forced_event is not null then 'delivered'
            when u_fate < 0.025 then 'silent'
            when u_fate < 0.025 + case when kind = 'campaign' then 0.01 else 0.003 end then 'soft_bounce'
            when u_fate < 0.025 + case when kind = 'campaign' then 0.02 else 0.006 end then 'soft_bounce_then_delivered'
            when u_fate < 0.028 + case when kind = 'campaign' then 0.02 else 0.006 end then 'hard_bounce'
            else 'delivered'
        end as fate
    from messages
),

delivered as materialized (
    select
        *,
        case
            -- a provider clock a little behind: delivered up to an hour before the send (clock skew)
            when rnd('clock_skew', k) < 0.002 then sent_at - seconds(60 + rnd('skew_by', k) * 3480)
            when fate = 'soft_bounce_then_delivered' then sent_at + seconds(3600 + rnd('redelivery', k) * 7 * 3600)
            else sent_at + seconds(2 + rnd('delivery', k) * 598)
        end as delivered_at
    from fated
    where fate in ('delivered', 'soft_bounce_then_delivered')
),

late as materialized (
    -- late arrivals for a delivered message of any age: from two days after delivery, exponential gaps
    -- (mean late_mean_days), at most three; an open, click, reply, unsubscribe, spam complaint, or a webhook
    -- replaying the delivered event (warmup mail is only opened, replied to or replayed)
    select
        k, sent_at, real_time, j,
        case
            when rnd('late_kind', k * 4 + j) < 0.50 then 'opened'
            when rnd('late_kind', k * 4 + j) < 0.65 then case when kind = 'campaign' then 'clicked' else 'opened' end
            when rnd('late_kind', k * 4 + j) < 0.67 then 'replied'
            when rnd('late_kind', k * 4 + j) < 0.69 then case when kind = 'campaign' then 'unsubscribed' else 'opened' end
            when rnd('late_kind', k * 4 + j) < 0.6915 then case when kind = 'campaign' then 'spam_complaint' else 'opened' end
            else 'retry'
        end as late_kind,
        delivered_at,
        late_at
    from (
        select
            *,
            delivered_at + interval 2 day + days(
                - getvariable('late_mean_days') * ln(1 - rnd('late_gap', k * 4 + 1))
                - case when j >= 2 then getvariable('late_mean_days') * ln(1 - rnd('late_gap', k * 4 + 2)) else 0 end
                - case when j >= 3 then getvariable('late_mean_days') * ln(1 - rnd('late_gap', k * 4 + 3)) else 0 end
            ) as late_at
        from (select *, unnest(range(1, 4)) as j from delivered)
    )
    where late_at <= getvariable('horizon')
),

opened as materialized (
    -- opens: most within a day, some within a week, a few weeks later (late events for old periods; the late
    -- arrivals add more at any age);
    -- security scanners open within seconds (bot flagged; is_bot is sometimes unknown)
    select
        k, sent_at, real_time,
        rnd('bot', k) as u_bot,
        case
            when rnd('bot', k) < 0.12 then delivered_at + seconds(1 + rnd('open_delay', k) * 90)
            when rnd('open_tail', k) < 0.7 then delivered_at + seconds(60 + pow(rnd('open_delay', k), 2) * 86400)
            when rnd('open_tail', k) < 0.95 then delivered_at + days(1 + rnd('open_delay', k) * 6)
            else delivered_at + days(7 + rnd('open_delay', k) * 33)
        end as opened_at
    from delivered
    where recent and (rnd('open', k) < 0.37 or (forced_event = 'replied' and rnd('open', k) < 0.9))
),

regular as (
    select k, sent_at, real_time, 0 as slot, 'delivered' as event_type, delivered_at as occurred_at,
        cast(null as varchar) as bounce_type, false as is_bot
    from delivered
    where recent
    union all
    select k, sent_at, real_time, 1, 'bounced', sent_at + seconds(10 + rnd('bounce_at', k) * 590),
        case when fate = 'hard_bounce' then 'hard' else 'soft' end, false
    from fated
    where recent and fate in ('hard_bounce', 'soft_bounce', 'soft_bounce_then_delivered')
    union all
    select k, sent_at, real_time, 2, 'opened', opened_at, null,
        case when u_bot < 0.12 then true when u_bot < 0.22 then null else false end
    from opened
    union all
    select k, sent_at, real_time, 3, 'opened', opened_at + seconds(600 + rnd('reopen_at', k) * 3 * 86400), null,
        case when rnd('reopen_bot', k) < 0.1 then null else false end
    from opened
    where rnd('reopen', k) < 0.6
    union all
    select k, sent_at, real_time, 4, 'opened', opened_at + seconds(3600 + rnd('reopen2_at', k) * 5 * 86400), null, false
    from opened
    where rnd('reopen', k) < 0.3
    union all
    select k, sent_at, real_time, 5, 'clicked', opened_at + seconds(5 + rnd('click_at', k) * 7200), null,
        rnd('click_bot', k) < 0.05
    from opened
    where rnd('click', k) < 0.24
    union all
    select k, sent_at, real_time, 6, 'clicked', opened_at + seconds(600 + rnd('click2_at', k) * 86400), null, false
    from opened
    where rnd('click', k) < 0.07
    union all
    select k, sent_at, real_time, 7, 'replied',
        case when kind = 'campaign' then greatest(forced_at, delivered_at + interval 1 minute)
            else delivered_at + seconds(600 + rnd('warmup_reply_at', k) * 86400) end,
        null, false
    from delivered
    where recent and forced_event = 'replied'
    union all
    select k, sent_at, real_time, 8, 'unsubscribed', greatest(forced_at, delivered_at + interval 1 minute), null, false
    from delivered
    where recent and forced_event = 'unsubscribed'
    union all
    select k, sent_at, real_time, 9, 'spam_complaint', delivered_at + seconds(3600 + rnd('spam_at', k) * 3 * 86400),
        null, false
    from delivered
    where recent and rnd('spam', k) < 0.001
    -- bad input (models/docs/rules_sources_and_bad_input.md)
    union all
    select k, sent_at, real_time, 10, ['deferred', 'processed', 'dropped'][1 + pick('unknown_event', k, 3)],
        sent_at + seconds(1 + rnd('unknown_at', k) * 300), null, false
    from messages
    where recent and rnd('unknown_type', k) < 0.005
    union all
    select k, sent_at, real_time, 11, 'opened', sent_at - seconds(7200 + rnd('before_by', k) * 46 * 3600), null, false
    from messages
    where recent and rnd('before_message', k) < 0.001
    union all
    select k, sent_at, real_time, 12, 'clicked',
        cast('2099-01-01 00:00:00+00' as timestamptz) + seconds(rnd('future_at', k) * 300 * 86400), null, false
    from messages
    where recent and rnd('future_event', k) < 0.0005
    union all
    -- slots 13 to 15 carry a message id that is not the message's: unknown, null, malformed
    select k, sent_at, real_time, 13, 'opened', sent_at + seconds(60 + rnd('ghost_at', k) * 86400), null, false
    from messages
    where recent and rnd('ghost_message', k) < 0.002
    union all
    select k, sent_at, real_time, 14, 'delivered', sent_at + seconds(2 + rnd('null_at', k) * 600), null, false
    from messages
    where recent and rnd('null_message', k) < 0.001
    union all
    select k, sent_at, real_time, 15, 'opened', sent_at + seconds(60 + rnd('malformed_at', k) * 86400), null, false
    from messages
    where recent and rnd('malformed_message', k) < 0.0005
),

events as (
    select *, cast(null as varchar) as late_kind, cast(null as timestamptz) as late_at from regular
    union all
    -- a late open, click, reply, unsubscribe or complaint is a new provider event (slots 16 to 18); a late
    -- replay copies the delivered event (slot 0), its id included
    select
        k, sent_at, real_time,
        case when late_kind = 'retry' then 0 else 15 + j end,
        case when late_kind = 'retry' then 'delivered' else late_kind end,
        case when late_kind = 'retry' then delivered_at else late_at - seconds(5 + rnd('late_received', k * 4 + j) * 300) end,
        null,
        case when late_kind = 'opened' and rnd('late_bot', k * 4 + j) < 0.1 then null else false end,
        late_kind,
        late_at
    from late
),

keyed as (
    -- the key of an event's draws and id: k * 16 + slot for a message's regular events (a replay keeps its
    -- event's key), another range for late arrivals
    select *, case when slot < 16 then k * 16 + slot else -(k * 4 + slot - 15) end as ek
    from events
),

shaped as (
    select
        k,
        slot,
        ek,
        event_type as _event_type,
        maybe_messy(event_type, 'event_messy', ek, 0.006) as event_type,
        occurred_at,
        bounce_type,
        is_bot,
        -- the webhook arrives seconds after the event, and never before the send really happened; a late
        -- arrival when it is drawn
        case
            when late_at is not null then late_at
            when occurred_at > real_time + interval 90 day then real_time + seconds(1 + rnd('received', ek) * 300)
            else greatest(occurred_at, real_time) + seconds(1 + rnd('received', ek) * 120)
        end as received_at,
        rnd('payload_malformed', ek) < 0.002 as _payload_malformed,
        sent_at as _message_sent_at,
        late_kind = 'retry' as _late_replay
    from keyed
),

retried as (
    -- webhook retries: the same provider event again, minutes later or days later (a later extract)
    select *, coalesce(_late_replay, false) as _is_retry from shaped
    union all
    select
        * replace (
            received_at + case
                when rnd('retry_late', ek) < 0.5 then seconds(60 + rnd('retry_after', ek) * 1800)
                else days(1 + rnd('retry_after', ek) * 9)
            end as received_at
        ),
        true
    from shaped
    where rnd('retry', ek) < 0.008 and _late_replay is null
)

select *, extract_after(received_at) as _extracted_at
from retried
""",
    ),
    (
        "email_events_out",
        """
create or replace temp view email_events_out as
select
    case when ek >= 0 then uid('event', ek) else uid('late_event', -ek) end as id,
    case slot
        when 13 then uid('ghost_message', k)
        when 14 then null
        when 15 then ['undefined', 'null', left(uid('message', k), 23)][1 + pick('malformed_id', k, 3)]
        else uid('message', k)
    end as message_id,
    event_type,
    occurred_at,
    bounce_type,
    is_bot,
    '{"provider": "' || case when k % 3 = 0 then 'ses' else 'sendgrid' end || '", "event": '
        || case when _payload_malformed then ''
            else '"' || _event_type || '", "smtp_id": "<' || substr(id, 25, 12) || '@mail.example>"}' end as payload,
    received_at,
    _extracted_at
from g_events
""",
    ),
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


def _vocabulary(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{value}'" for value in values) + ")"


def _mixed_case(column: str, vocabulary: tuple[str, ...]) -> str:
    return f"{column} != lower(trim({column})) and lower(trim({column})) in {_vocabulary(vocabulary)}"


def _out_of_vocabulary(column: str, vocabulary: tuple[str, ...]) -> str:
    return f"lower(trim({column})) not in {_vocabulary(vocabulary)}"


# Where the cases of each raw table are counted: (relation, alias). For the big tables, the narrow
# generator table behind the view, whose own columns say which case a row stands for.
CENSUS_SOURCES: dict[str, tuple[str, str]] = {
    "email_messages": ("g_messages", "m"),
    "email_events": ("g_events", "e"),
    "campaigns": ("campaigns_out", "c"),
    "campaign_leads": ("g_enrolment_versions", "cl"),
    "email_accounts": ("email_accounts_out", "a"),
    "leads": ("g_lead_versions", "l"),
    "companies": ("companies_out", "co"),
    "domains": ("domains_out", "d"),
    "subscriptions": ("subscriptions_out", "s"),
    "admin_audit_events": ("admin_audit_events_out", "au"),
}

# case name -> (census source, predicate). Each predicate says what a query on the raw tables finds.
CENSUS_CASES: dict[str, tuple[str, str]] = {
    # messages
    "message_null_id": ("email_messages", "m._case = 'null_id'"),
    "message_unknown_type": ("email_messages", "m._case = 'unknown_type'"),
    "message_type_mixed_case": ("email_messages", "m._messy_type"),
    "message_unknown_tenant": ("email_messages", "m._case = 'unknown_tenant'"),
    "message_unknown_mailbox": ("email_messages", "m._case = 'unknown_mailbox'"),
    "message_campaign_missing_campaign": ("email_messages", "m._case = 'missing_campaign' and m._kind = 'campaign'"),
    "message_campaign_missing_step": ("email_messages", "m._case = 'missing_step' and m._kind = 'campaign'"),
    "message_campaign_missing_lead": ("email_messages", "m._case = 'missing_lead' and m._kind = 'campaign'"),
    "message_future_sent_at": ("email_messages", "m.sent_at > m._extracted_at"),
    "message_before_tenant_created": (
        "email_messages", "m.sent_at < m._tenant_created and m._case is distinct from 'unknown_tenant'"),
    "message_after_tenant_deleted": (
        "email_messages", "m.sent_at > m._tenant_deleted and m._case is distinct from 'unknown_tenant'"),
    # events
    "event_duplicate_retry": ("email_events", "e._is_retry"),
    "event_unknown_message": ("email_events", "e.slot = 13"),
    "event_null_message_id": ("email_events", "e.slot = 14"),
    "event_malformed_message_id": ("email_events", "e.slot = 15"),
    "event_unknown_type": ("email_events", _out_of_vocabulary("e._event_type", EVENT_TYPES)),
    "event_type_mixed_case": ("email_events", _mixed_case("e.event_type", EVENT_TYPES)),
    "event_clock_skew_within_hour": (
        "email_events",
        "e.slot < 13 and e.occurred_at < e._message_sent_at and e.occurred_at >= e._message_sent_at - interval 1 hour",
    ),
    "event_before_message": ("email_events", "e.slot < 13 and e.occurred_at < e._message_sent_at - interval 1 hour"),
    "event_future_occurred_at": ("email_events", "e.occurred_at > e._extracted_at"),
    "event_malformed_payload": ("email_events", "e._payload_malformed"),
    # entity statuses
    "campaign_status_mixed_case": ("campaigns", _mixed_case("c.status", CAMPAIGN_STATUSES)),
    "campaign_status_out_of_vocabulary": ("campaigns", _out_of_vocabulary("c.status", CAMPAIGN_STATUSES)),
    "enrolment_status_mixed_case": ("campaign_leads", _mixed_case("cl.status", ENROLMENT_STATUSES)),
    "enrolment_status_out_of_vocabulary": ("campaign_leads", _out_of_vocabulary("cl.status", ENROLMENT_STATUSES)),
    "warmup_status_mixed_case": ("email_accounts", _mixed_case("a.warmup_status", WARMUP_STATUSES)),
    "warmup_status_out_of_vocabulary": ("email_accounts", _out_of_vocabulary("a.warmup_status", WARMUP_STATUSES)),
    "mailbox_status_mixed_case": ("email_accounts", _mixed_case("a.status", MAILBOX_STATUSES)),
    "lead_status_mixed_case": ("leads", _mixed_case("l.status", LEAD_STATUSES)),
    "company_status_mixed_case": ("companies", _mixed_case("co.status", COMPANY_STATUSES)),
    "domain_status_mixed_case": ("domains", _mixed_case("d.verification_status", DOMAIN_STATUSES)),
    "subscription_status_mixed_case": ("subscriptions", _mixed_case("s.status", SUBSCRIPTION_STATUSES)),
    # admin audit events
    "audit_unknown_action": (
        "admin_audit_events",
        "not list_contains(getvariable('in_scope_actions') || getvariable('low_risk_actions'), lower(trim(au.action)))",
    ),
    "audit_action_mixed_case": ("admin_audit_events", "au.action != lower(trim(au.action))"),
    "audit_malformed_old_values": ("admin_audit_events", "not coalesce(json_valid(au.old_values), true)"),
    "audit_malformed_new_values": ("admin_audit_events", "not coalesce(json_valid(au.new_values), true)"),
    "audit_malformed_metadata": ("admin_audit_events", "not coalesce(json_valid(au.metadata), true)"),
    "audit_amended_re_extract": ("admin_audit_events", "au._is_retry"),
}


def census(connection: duckdb.DuckDBPyConnection, window: str) -> dict[str, int]:
    """Count every bad-input case among the generated rows of one extract. `window` is a predicate on
    `{alias}._extracted_at` selecting the extract's rows."""
    counts: dict[str, int] = {}
    for table, (relation, alias) in CENSUS_SOURCES.items():
        cases = [(name, predicate) for name, (source, predicate) in CENSUS_CASES.items() if source == table]
        columns = ", ".join(f"count(*) filter (where {predicate})" for _, predicate in cases)
        row = connection.execute(
            f"select {columns} from {relation} as {alias} where {window.format(alias=alias)}"
        ).fetchone()
        if row is None:
            raise RuntimeError(f"no census row for {table}")
        counts.update({name: int(value) for (name, _), value in zip(cases, row)})
    return {name: counts[name] for name in CENSUS_CASES}
