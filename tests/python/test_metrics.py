"""The semantic layer answers what SQL over the marts answers: every metric queried through MetricFlow (`mf query`,
saved queries included) on a freshly built DuckDB warehouse, at two grains, equals sums, ratios, averages, offsets
and running totals computed here over the published marts and the message-grain fact (message_analytics).

The queries run in one `mf` process (the CLI's start-up costs seconds, a query about one): the module's fixture
runs them all once, and each test reads its own results."""

from __future__ import annotations

import csv
import json
import math
import subprocess
import sys
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Iterable

import pytest

from conftest import PROJECT_DIR, run_cli
from outreach_warehouse.dbt_commands import Dbt
from outreach_warehouse.warehouse import DbtProject, Engine

TOLERANCE = 1e-9

# The campaign funnel at send grain: metric -> its column of message_analytics (counts), or (numerator,
# denominator) columns (rates: ratios of sums).
FUNNEL_COUNTS = {
    "emails_sent": "sent",
    "emails_delivered": "delivered",
    "emails_opened": "opened_tracked",
    "emails_clicked": "clicked_tracked",
    "emails_replied": "replied",
    "emails_bounced": "bounced",
    "emails_unsubscribed": "unsubscribed",
    "spam_complaints": "spam_complaints",
}
FUNNEL_RATES = {
    "delivery_rate": ("delivered", "sent"),
    "bounce_rate": ("bounced", "sent"),
    "open_rate": ("opened_tracked", "delivered"),
    "click_rate": ("clicked_tracked", "delivered"),
    "reply_rate": ("replied", "delivered"),
    "spam_complaint_rate": ("spam_complaints", "delivered"),
    "unsubscribe_rate": ("unsubscribed", "delivered"),
}
FUNNEL_METRICS = [*FUNNEL_COUNTS, *FUNNEL_RATES]

# The campaign messages of the fact, with the status of their campaign and their billing period.
FACT_FROM = """
from analytics.message_analytics as messages
left join analytics.campaign_analytics as campaigns
    on messages.campaign_id = campaigns.campaign_id and messages.billing_id = campaigns.billing_id
left join analytics.billing_analytics as billing
    on messages.billing_id = billing.id
where messages.message_type = 'campaign'
"""


def funnel_sql(keys: list[str], where: str = "") -> str:
    """The funnel metrics over the fact's campaign messages, grouped by the key expressions (listed first)."""
    counts = [f"sum(messages.{column})" for column in FUNNEL_COUNTS.values()]
    rates = [
        f"sum(messages.{numerator}) * 1.0 / nullif(sum(messages.{denominator}), 0)"
        for numerator, denominator in FUNNEL_RATES.values()
    ]
    group = ", ".join(str(index + 1) for index in range(len(keys)))
    return f"select {', '.join(keys + counts + rates)} {FACT_FROM} {where} group by {group}"


# The metrics of the period marts (metric_time = the billing period start), each mart's over SQL of its own:
# mart -> (metric -> SQL aggregate over the mart's rows).
PERIOD_METRICS: dict[str, dict[str, str]] = {
    "campaign_analytics": {"completed_leads": "sum(completed_leads)"},
    "sequence_step_analytics": {
        "step_emails_sent": "sum(sent)",
        "step_emails_delivered": "sum(delivered)",
        "step_emails_opened": "sum(opened_tracked)",
        "step_emails_replied": "sum(replied)",
        "step_open_rate": "sum(opened_tracked) * 1.0 / nullif(sum(delivered), 0)",
        "step_reply_rate": "sum(replied) * 1.0 / nullif(sum(delivered), 0)",
    },
    "mailbox_analytics": {
        "mailbox_emails_sent": "sum(sent)",
        "mailbox_emails_delivered": "sum(delivered)",
        "mailbox_emails_bounced": "sum(bounced)",
        "mailbox_spam_complaints": "sum(spam_complaints)",
        "mailbox_bounce_rate": "sum(bounced) * 1.0 / nullif(sum(sent), 0)",
        "mailbox_spam_complaint_rate": "sum(spam_complaints) * 1.0 / nullif(sum(delivered), 0)",
        "average_mailbox_health_score": "avg(health_score)",
        "mailbox_current_volume": "sum(current_volume)",
        "mailboxes_sending": "count(distinct mailbox_id)",
    },
    "warmup_analytics": {
        "warmup_emails_sent": "sum(sent)",
        "average_warmup_health_score": "avg(health_score)",
        "average_warmup_progress": "avg(progress_percentage)",
    },
    "billing_analytics": {"billed_emails_sent": "sum(emails_sent)"},
    "lead_analytics": {
        "leads_contacted": "count(distinct lead_id)",
        "leads_replied": "count(distinct case when replied > 0 then lead_id end)",
        "leads_bounced": "count(distinct case when bounced > 0 then lead_id end)",
        "lead_reply_rate": (
            "count(distinct case when replied > 0 then lead_id end) * 1.0 / nullif(count(distinct lead_id), 0)"
        ),
    },
}
AUDIT_METRICS = {"admin_actions": "count(*)", "acting_admins": "count(distinct admin_user_id)"}
DERIVED_METRICS = ["emails_sent_wow_change", "emails_sent_wow_growth", "reply_rate_wow_change"]
CUMULATIVE_METRICS = ["emails_sent_to_date", "emails_sent_trailing_7_days"]

# The campaign funnel of each tenant and billing period, over the period marts (rates: ratios of sums).
TENANT_FUNNEL_SQL = """
select
    billing.tenant_id,
    cast(billing.period_start as date) as period_day,
    sum(campaigns.sent) as emails_sent,
    sum(campaigns.delivered) as emails_delivered,
    sum(campaigns.delivered) * 1.0 / nullif(sum(campaigns.sent), 0) as delivery_rate,
    sum(campaigns.opened_tracked) * 1.0 / nullif(sum(campaigns.delivered), 0) as open_rate,
    sum(campaigns.clicked_tracked) * 1.0 / nullif(sum(campaigns.delivered), 0) as click_rate,
    sum(campaigns.replied) * 1.0 / nullif(sum(campaigns.delivered), 0) as reply_rate,
    sum(campaigns.bounced) * 1.0 / nullif(sum(campaigns.sent), 0) as bounce_rate,
    sum(campaigns.spam_complaints) * 1.0 / nullif(sum(campaigns.delivered), 0) as spam_complaint_rate,
    sum(campaigns.unsubscribed) * 1.0 / nullif(sum(campaigns.delivered), 0) as unsubscribe_rate,
    sum(campaigns.completed_leads) as completed_leads
from analytics.campaign_analytics as campaigns
inner join analytics.billing_analytics as billing
    on campaigns.billing_id = billing.id
group by billing.tenant_id, cast(billing.period_start as date)
"""

MAILBOX_HEALTH_SQL = """
select
    billing.tenant_id,
    cast(billing.period_start as date) as period_day,
    avg(mailboxes.health_score) as average_mailbox_health_score,
    sum(mailboxes.bounced) * 1.0 / nullif(sum(mailboxes.sent), 0) as mailbox_bounce_rate,
    count(distinct mailboxes.mailbox_id) as mailboxes_sending
from analytics.mailbox_analytics as mailboxes
inner join analytics.billing_analytics as billing
    on mailboxes.billing_id = billing.id
group by billing.tenant_id, cast(billing.period_start as date)
"""

CAMPAIGN_TOTALS_SQL = """
select campaign_id, sum(completed_leads) as completed_leads, sum(sent) as emails_sent
from analytics.campaign_analytics
group by campaign_id
"""

# Every dimension of the message semantic model at once, at send week: (mf column, SQL expression).
MESSAGE_DIMENSIONS = [
    ("metric_time__week", "cast(date_trunc('week', messages.sent_at) as date)"),
    ("tenant", "messages.tenant_id"),
    ("billing", "messages.billing_id"),
    ("billing__period_start__day", "cast(billing.period_start as date)"),
    ("campaign", "messages.campaign_id"),
    ("message__campaign_status", "campaigns.status"),
    ("sequence_step", "messages.step_id"),
    ("lead", "messages.lead_id"),
    ("mailbox", "messages.mailbox_id"),
    ("message__mailbox_provider", "messages.mailbox_provider"),
    ("domain", "messages.domain_id"),
]

# The saved queries (dashboards' questions): name -> its group-by columns in mf's output, and for those at send
# grain over funnel metrics only, the SQL expressions of those columns (compared with SQL over the fact).
SAVED_QUERIES: dict[str, dict[str, str | None]] = {
    "tenant_funnel_by_billing_period": {"tenant": None, "billing__period_start__day": None},
    "campaign_rates": {"campaign": None, "tenant": None, "billing__period_start__day": None},
    "sequence_step_rates": {"sequence_step": None, "metric_time__day": None},
    "mailbox_health": {"mailbox": None, "company": None, "metric_time__day": None},
    "weekly_reply_rate_by_mailbox_provider": {
        "metric_time__week": "cast(date_trunc('week', messages.sent_at) as date)",
        "message__mailbox_provider": "messages.mailbox_provider",
    },
    "daily_funnel_by_tenant": {
        "tenant": "messages.tenant_id", "metric_time__day": "cast(date_trunc('day', messages.sent_at) as date)",
    },
    "weekly_campaign_funnel": {
        "campaign": "messages.campaign_id", "message__campaign_status": "campaigns.status",
        "metric_time__week": "cast(date_trunc('week', messages.sent_at) as date)",
    },
    "weekly_deliverability_by_domain": {
        "domain": "messages.domain_id", "message__mailbox_provider": "messages.mailbox_provider",
        "metric_time__week": "cast(date_trunc('week', messages.sent_at) as date)",
    },
    "weekly_sends_trend": {"tenant": None, "metric_time__week": None},
    "billing_period_sends_to_date": {"billing": None, "tenant": None, "metric_time__day": None},
}
# Runs `mf` once for a list of queries: argv[1] is a JSON file of [[args...], csv path] pairs; prints a JSON list
# of [exit code, output tail].
MF_BATCH = """
import json, sys
from click.testing import CliRunner
from dbt_metricflow.cli.main import cli
runner = CliRunner()
results = []
for args, output in json.load(open(sys.argv[1])):
    result = runner.invoke(cli, ["query", *args, "--csv", output, "--quiet"], catch_exceptions=True)
    results.append([result.exit_code, (result.output or "")[-3000:] + repr(result.exception or "")[-2000:]])
print(json.dumps(results))
"""


def project_mirror(directory: Path) -> Path:
    """The project's files linked into `directory`, whose own target/ the build writes: `mf` reads the semantic
    manifest from <project>/target, so the test's build never touches (or reads) the checkout's target/."""
    directory.mkdir(parents=True, exist_ok=True)
    for entry in PROJECT_DIR.iterdir():
        if entry.name not in {"target", "logs", ".venv", ".git"}:
            (directory / entry.name).symlink_to(entry)
    return directory


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Engine, Path]:
    """20,000 demo messages loaded into a fresh DuckDB file and built once; the project mirror mf runs in."""
    workdir = tmp_path_factory.mktemp("metrics")
    engine = Engine.duckdb(workdir / "warehouse.duckdb")
    mirror = project_mirror(workdir / "project")
    run_cli("load", "--target", "duckdb", "--messages", "20000", "--seed", "7", env=engine.env)
    DbtProject(PROJECT_DIR, mirror).run(engine, "build")
    return engine, mirror


def last_month(engine: Engine) -> tuple[date, date]:
    """The calendar month before the month of the latest send (the data's "now"): its first and last day."""
    latest = engine.scalar("select cast(max(sent_at) as date) from analytics.message_analytics")
    last_day = latest.replace(day=1) - timedelta(days=1)
    return last_day.replace(day=1), last_day


def queries(engine: Engine) -> dict[str, list[str]]:
    """Every query the tests ask, by name: `mf query` arguments."""
    first, last = last_month(engine)
    send_days = engine.query("select cast(min(sent_at) as date), cast(max(sent_at) as date) from analytics.message_analytics")
    first_send, last_send = send_days[0]
    last_period_end = engine.scalar("select cast(max(period_end) as date) from analytics.billing_analytics")
    period_metrics = ",".join(metric for metrics in PERIOD_METRICS.values() for metric in metrics)
    # a running total is bounded by the query's time range (without one, MetricFlow runs it to the time spine's end,
    # 2039): here the days up to the last period's end
    bounds = {
        "billing_period_sends_to_date": [
            "--start-time", first_send.isoformat(), "--end-time", last_period_end.isoformat(),
        ],
    }
    return {
        **{f"saved_{name}": ["--saved-query", name, *bounds.get(name, [])] for name in SAVED_QUERIES},
        "mailbox_health": [
            "--metrics", "average_mailbox_health_score,mailbox_bounce_rate,mailboxes_sending",
            "--group-by", "tenant,metric_time__day",
        ],
        "campaign_totals": ["--metrics", "completed_leads,emails_sent", "--group-by", "campaign"],
        "funnel_day": ["--metrics", ",".join(FUNNEL_METRICS), "--group-by", "metric_time__day,tenant"],
        "funnel_month": ["--metrics", ",".join(FUNNEL_METRICS), "--group-by", "metric_time__month,tenant"],
        "funnel_dimensions": [
            "--metrics", ",".join(FUNNEL_METRICS), "--group-by", ",".join(name for name, _ in MESSAGE_DIMENSIONS),
        ],
        "reply_rate_last_month": [
            "--metrics", "reply_rate", "--group-by", "metric_time__week,message__mailbox_provider",
            "--start-time", first.isoformat(), "--end-time", last.isoformat(),
        ],
        "reply_rate_last_month_saved": [
            "--saved-query", "weekly_reply_rate_by_mailbox_provider",
            "--start-time", first.isoformat(), "--end-time", last.isoformat(),
        ],
        "derived_day": ["--metrics", ",".join(DERIVED_METRICS), "--group-by", "metric_time__day"],
        "derived_week": ["--metrics", ",".join(DERIVED_METRICS), "--group-by", "metric_time__week,tenant"],
        "trailing_day": ["--metrics", "emails_sent_trailing_7_days", "--group-by", "metric_time__day,tenant"],
        "cumulative_month": [
            "--metrics", ",".join(CUMULATIVE_METRICS), "--group-by", "metric_time__month",
            "--start-time", first_send.isoformat(), "--end-time", last_send.isoformat(),
        ],
        "period_day": ["--metrics", period_metrics, "--group-by", "metric_time__day,tenant"],
        "period_month": ["--metrics", period_metrics, "--group-by", "metric_time__month,tenant"],
        "audit_day": ["--metrics", ",".join(AUDIT_METRICS), "--group-by", "metric_time__day,tenant"],
        "audit_month": ["--metrics", ",".join(AUDIT_METRICS), "--group-by", "metric_time__month,tenant"],
    }


@pytest.fixture(scope="module")
def mf(warehouse: tuple[Engine, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every query of `queries` run through MetricFlow once, in one process with the build's environment: the
    engine, and per query its exit code, output and CSV path."""
    engine, mirror = warehouse
    outputs = tmp_path_factory.mktemp("mf")
    asked = queries(engine)
    batch = [[args, str(outputs / f"{name}.csv")] for name, args in asked.items()]
    (outputs / "batch.json").write_text(json.dumps(batch))
    env = Dbt(mirror, profiles_dir=PROJECT_DIR, env={"DBT_PROJECT_DIR": str(mirror), **engine.env}).environ()
    result = subprocess.run(
        [sys.executable, "-c", MF_BATCH, str(outputs / "batch.json")],
        cwd=mirror, env=env, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, f"mf failed to start:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    outcomes = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(outcomes) == len(batch)
    return {
        "engine": engine,
        "queries": {
            name: (tuple(outcome), Path(path), args)
            for (name, args), (_, path), outcome in zip(asked.items(), batch, outcomes)
        },
    }


def mf_rows(mf: dict[str, Any], name: str) -> list[dict[str, str]]:
    """The rows of one query of the batch; fails with mf's own message when it failed or returned nothing."""
    (code, output), path, args = mf["queries"][name]
    assert code == 0, f"mf query {' '.join(args)} failed:\n{output}"
    assert path.exists(), f"mf query {' '.join(args)} returned no rows:\n{output}"
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def number(value: str) -> float | None:
    return None if value in ("", "None") else float(value)


def day(value: str) -> date:
    return date.fromisoformat(value[:10])


def key_value(value: Any) -> Any:
    """A group key in one form on both sides: dates as dates, nulls as None, everything else as text."""
    if value is None or value in ("", "None"):
        return None
    if isinstance(value, date):
        return value
    text = str(value)
    if len(text) >= 10 and text[4] == "-" and text[7] == "-" and text[:4].isdigit():
        return day(text)
    return text


def assert_close(actual: float | None, expected: Any, where: str) -> None:
    if expected is None:
        assert actual is None, f"{where}: {actual} from mf, null from SQL"
        return
    assert actual is not None, f"{where}: null from mf, {expected} from SQL"
    assert math.isclose(actual, float(expected), rel_tol=TOLERANCE, abs_tol=TOLERANCE), (
        f"{where}: {actual} from mf, {expected} from SQL"
    )


def assert_rows_equal(
    rows: list[dict[str, str]], keys: list[str], metrics: list[str], expected: dict[tuple[Any, ...], dict[str, Any]]
) -> None:
    """mf's rows, keyed by their group columns, equal the expected values: the same keys, each metric close."""
    actual = {tuple(key_value(row[key]) for key in keys): row for row in rows}
    assert len(actual) == len(rows), f"one row per {keys}"
    assert expected, "SQL found nothing to compare: the check would prove nothing"
    missing, extra = expected.keys() - actual.keys(), actual.keys() - expected.keys()
    assert not missing and not extra, f"keys {keys}: {len(missing)} missing, e.g. {sorted(missing, key=repr)[:3]}; " \
        f"{len(extra)} extra, e.g. {sorted(extra, key=repr)[:3]}"
    for key, values in expected.items():
        for metric in metrics:
            assert_close(number(actual[key][metric]), values.get(metric), f"{metric} of {key}")


def sql_expected(engine: Engine, sql: str, key_count: int, metrics: Iterable[str]) -> dict[tuple[Any, ...], dict[str, Any]]:
    names = list(metrics)
    return {
        tuple(key_value(value) for value in row[:key_count]): dict(zip(names, row[key_count:]))
        for row in engine.query(sql)
    }


# --- the period marts (metric_time = the billing period start) -----------------------------------------


def test_tenant_funnel_saved_query_equals_sql_over_the_marts(mf: dict[str, Any]) -> None:
    """The saved query reads the funnel from the message fact by billing period; SQL reads the period marts."""
    engine = mf["engine"]
    rows = mf_rows(mf, "saved_tenant_funnel_by_billing_period")
    metrics = [
        "emails_sent", "emails_delivered", "delivery_rate", "open_rate", "click_rate", "reply_rate",
        "bounce_rate", "spam_complaint_rate", "unsubscribe_rate", "completed_leads",
    ]
    expected = sql_expected(engine, TENANT_FUNNEL_SQL, 2, metrics)
    assert_rows_equal(rows, ["tenant", "billing__period_start__day"], metrics, expected)
    # Real values, not a table of zeros: every funnel stage shows up somewhere.
    for metric in ["emails_sent", "open_rate", "click_rate", "reply_rate", "bounce_rate", "completed_leads"]:
        assert any((number(row[metric]) or 0) > 0 for row in rows), metric
    assert sum(number(row["emails_sent"]) or 0 for row in rows) == engine.scalar(
        "select sum(emails_sent) from analytics.billing_analytics"
    )


def test_mailbox_health_by_tenant_and_period_equals_sql(mf: dict[str, Any]) -> None:
    engine = mf["engine"]
    rows = mf_rows(mf, "mailbox_health")
    metrics = ["average_mailbox_health_score", "mailbox_bounce_rate", "mailboxes_sending"]
    assert_rows_equal(rows, ["tenant", "metric_time__day"], metrics, sql_expected(engine, MAILBOX_HEALTH_SQL, 2, metrics))
    scores = [number(row["average_mailbox_health_score"]) or 0 for row in rows]
    assert all(0 <= score <= 100 for score in scores) and any(score < 100 for score in scores)


def test_completed_leads_by_campaign_equal_sql(mf: dict[str, Any]) -> None:
    engine = mf["engine"]
    rows = mf_rows(mf, "campaign_totals")
    metrics = ["completed_leads", "emails_sent"]
    assert_rows_equal(rows, ["campaign"], metrics, sql_expected(engine, CAMPAIGN_TOTALS_SQL, 1, metrics))
    assert sum(number(row["completed_leads"]) or 0 for row in rows) > 0


@pytest.mark.parametrize("grain", ["day", "month"])
def test_every_period_metric_equals_sql_over_its_mart(mf: dict[str, Any], grain: str) -> None:
    """Steps, mailboxes, warmup, billing, leads and completed leads by tenant, at the period start's day and
    calendar month: one mf query of all of them, each mart's SQL on its own (a tenant and time without rows of a
    mart has none of its metrics)."""
    engine = mf["engine"]
    rows = mf_rows(mf, f"period_{grain}")
    expected: dict[tuple[Any, ...], dict[str, Any]] = defaultdict(dict)
    for mart, metrics in PERIOD_METRICS.items():
        joined = "" if mart == "billing_analytics" else (
            f"inner join analytics.billing_analytics as billing on rows.billing_id = billing.id"
        )
        tenant = "rows.tenant_id" if mart == "billing_analytics" else "billing.tenant_id"
        start = "rows.period_start" if mart == "billing_analytics" else "billing.period_start"
        sql = (
            f"select {tenant}, cast(date_trunc('{grain}', {start}) as date), {', '.join(metrics.values())} "
            f"from analytics.{mart} as rows {joined} group by 1, 2"
        )
        for key, values in sql_expected(engine, sql, 2, metrics).items():
            expected[key].update(values)
    names = [metric for metrics in PERIOD_METRICS.values() for metric in metrics]
    assert_rows_equal(rows, ["tenant", f"metric_time__{grain}"], names, dict(expected))
    for metric in names:
        assert any((number(row[metric]) or 0) > 0 for row in rows), f"{metric} is never positive"


@pytest.mark.parametrize("grain", ["day", "month"])
def test_admin_audit_metrics_equal_sql(mf: dict[str, Any], grain: str) -> None:
    engine = mf["engine"]
    sql = (
        f"select tenant_id, cast(date_trunc('{grain}', creation_time) as date), {', '.join(AUDIT_METRICS.values())} "
        "from analytics.admin_audit_log group by 1, 2"
    )
    assert_rows_equal(
        mf_rows(mf, f"audit_{grain}"), ["tenant", f"metric_time__{grain}"], list(AUDIT_METRICS),
        sql_expected(engine, sql, 2, AUDIT_METRICS),
    )


# --- the campaign funnel at send grain (message_analytics, metric_time = the send time) -----------------


@pytest.mark.parametrize("grain", ["day", "month"])
def test_every_funnel_metric_by_send_time_equals_sql_over_the_fact(mf: dict[str, Any], grain: str) -> None:
    engine = mf["engine"]
    sql = funnel_sql([f"messages.tenant_id", f"cast(date_trunc('{grain}', messages.sent_at) as date)"])
    rows = mf_rows(mf, f"funnel_{grain}")
    assert_rows_equal(rows, ["tenant", f"metric_time__{grain}"], FUNNEL_METRICS, sql_expected(engine, sql, 2, FUNNEL_METRICS))
    for metric in FUNNEL_METRICS:
        assert any((number(row[metric]) or 0) > 0 for row in rows), f"{metric} is never positive"
    # the send grain is not the billing period's: at day grain, sends fall on many more days than periods start
    if grain == "day":
        period_days = engine.scalar("select count(distinct cast(period_start as date)) from analytics.message_analytics")
        assert len({row["metric_time__day"] for row in rows}) > 3 * period_days


def test_funnel_groups_by_every_message_dimension(mf: dict[str, Any]) -> None:
    """Send week, tenant, billing period (key and start), campaign and its status, step, lead, mailbox, provider and
    domain in one query: every rate and count equals SQL over the fact grouped by the same columns."""
    engine = mf["engine"]
    sql = funnel_sql([expression for _, expression in MESSAGE_DIMENSIONS])
    rows = mf_rows(mf, "funnel_dimensions")
    names = [name for name, _ in MESSAGE_DIMENSIONS]
    assert_rows_equal(rows, names, FUNNEL_METRICS, sql_expected(engine, sql, len(names), FUNNEL_METRICS))
    for name in ["message__mailbox_provider", "message__campaign_status", "domain"]:
        assert len({row[name] for row in rows}) > 1, f"{name} has a single value: the grouping proves little"


def test_reply_rate_per_week_per_mailbox_provider_last_month(mf: dict[str, Any]) -> None:
    """The issue's question, one `mf query`: reply rate per send week and mailbox provider, last month (the month
    before the latest send). MetricFlow widens --start-time/--end-time to whole weeks, so each week that overlaps
    the month is counted whole; SQL over the fact does the same. The saved query answers the same."""
    engine = mf["engine"]
    first, last = last_month(engine)
    sql = funnel_sql(
        ["cast(date_trunc('week', messages.sent_at) as date)", "messages.mailbox_provider"],
        f"and date_trunc('week', messages.sent_at) between date_trunc('week', date '{first}') "
        f"and date_trunc('week', date '{last}')",
    )
    expected = sql_expected(engine, sql, 2, FUNNEL_METRICS)
    keys = ["metric_time__week", "message__mailbox_provider"]
    assert_rows_equal(mf_rows(mf, "reply_rate_last_month"), keys, ["reply_rate"], expected)
    assert_rows_equal(
        mf_rows(mf, "reply_rate_last_month_saved"), keys, ["reply_rate", "emails_sent", "emails_delivered"], expected
    )
    assert len({key[0] for key in expected}) >= 4, "last month has at least four send weeks"
    assert len({key[1] for key in expected}) >= 2, "several mailbox providers"
    assert any((values["reply_rate"] or 0) > 0 for values in expected.values())


def week_start(value: date) -> date:
    return value - timedelta(days=value.weekday())


@pytest.mark.parametrize("grain", ["day", "week"])
def test_week_over_week_metrics_equal_sql(mf: dict[str, Any], grain: str) -> None:
    """emails_sent and reply_rate against the same span one week earlier (offset_window 1 week): at day grain over
    all tenants, at week grain per tenant. A span whose week-earlier side is empty has no value."""
    engine = mf["engine"]
    keys = ["tenant"] if grain == "week" else []
    sql = funnel_sql([*(f"messages.{key}_id" for key in keys), f"cast(date_trunc('{grain}', messages.sent_at) as date)"])
    spans = sql_expected(engine, sql, len(keys) + 1, FUNNEL_METRICS)
    expected: dict[tuple[Any, ...], dict[str, Any]] = {}
    for key, values in spans.items():
        before = spans.get((*key[:-1], key[-1] - timedelta(days=7)))
        if before is None:
            continue
        sent, sent_before = values["emails_sent"], before["emails_sent"]
        rate, rate_before = values["reply_rate"], before["reply_rate"]
        expected[key] = {
            "emails_sent_wow_change": sent - sent_before,
            "emails_sent_wow_growth": (sent - sent_before) / sent_before,
            "reply_rate_wow_change": None if rate is None or rate_before is None else rate - rate_before,
        }
    rows = [row for row in mf_rows(mf, f"derived_{grain}") if row["emails_sent_wow_change"] not in ("", "None")]
    assert_rows_equal(rows, [*keys, f"metric_time__{grain}"], DERIVED_METRICS, expected)
    changes = [values["emails_sent_wow_change"] for values in expected.values()]
    assert min(changes) < 0 < max(changes), "sends both rise and fall week over week"


def daily_sends(engine: Engine, key: str | None = None) -> dict[Any, dict[date, int]]:
    """Campaign messages sent per day, per value of `key` (a column of the fact) or in all."""
    column = f"messages.{key}" if key else "'all'"
    sends: dict[Any, dict[date, int]] = defaultdict(dict)
    for group, send_day, count in engine.query(
        f"select {column}, cast(messages.sent_at as date), count(*) {FACT_FROM} group by 1, 2"
    ):
        sends[key_value(group)][send_day] = count
    return sends


def test_sends_to_date_per_billing_period_equal_sql(mf: dict[str, Any]) -> None:
    """The saved query billing_period_sends_to_date (cumulative emails_sent_to_date grouped by billing period): on
    each day from the period's first send to the day of its end, the period's sends up to and including that day."""
    engine = mf["engine"]
    sends = daily_sends(engine, "billing_id")
    periods = {
        key_value(billing_id): (key_value(tenant_id), period_end)
        for billing_id, tenant_id, period_end in engine.query(
            "select id, tenant_id, cast(period_end as date) from analytics.billing_analytics"
        )
    }
    expected: dict[tuple[Any, ...], dict[str, Any]] = {}
    for billing_id, days in sends.items():
        tenant_id, period_end = periods[billing_id]
        current, total = min(days), 0
        while current <= period_end:
            total += days.get(current, 0)
            expected[(billing_id, tenant_id, current)] = {"emails_sent_to_date": total}
            current += timedelta(days=1)
    rows = mf_rows(mf, "saved_billing_period_sends_to_date")
    assert_rows_equal(rows, ["billing", "tenant", "metric_time__day"], ["emails_sent_to_date"], expected)
    finals = {billing_id: sum(days.values()) for billing_id, days in sends.items()}
    assert finals == {
        key_value(row[0]): row[1] for row in engine.query("select id, emails_sent from analytics.billing_analytics where emails_sent > 0")
    }, "a period's last running total is its billed emails_sent"


def trailing_sum(days: dict[date, int], end: date) -> int:
    return sum(days.get(end - timedelta(days=back), 0) for back in range(7))


def test_trailing_7_days_by_tenant_and_day_equals_sql(mf: dict[str, Any]) -> None:
    """emails_sent_trailing_7_days (cumulative, window 7 days): the tenant's sends in the 7 days ending on the day,
    on every day whose window holds a send."""
    engine = mf["engine"]
    expected: dict[tuple[Any, ...], dict[str, Any]] = {}
    for tenant_id, days in daily_sends(engine, "tenant_id").items():
        current = min(days)
        while current <= max(days) + timedelta(days=6):
            if trailing_sum(days, current):
                expected[(tenant_id, current)] = {"emails_sent_trailing_7_days": trailing_sum(days, current)}
            current += timedelta(days=1)
    rows = mf_rows(mf, "trailing_day")
    assert_rows_equal(rows, ["tenant", "metric_time__day"], ["emails_sent_trailing_7_days"], expected)


def test_cumulative_metrics_by_month_equal_sql(mf: dict[str, Any]) -> None:
    """At month grain a cumulative metric takes its value on the month's last day that has one (period_agg last):
    all sends up to the month's end, and the sends of the 7 days ending on the last day whose window holds any."""
    engine = mf["engine"]
    days = daily_sends(engine)["all"]
    expected: dict[tuple[Any, ...], dict[str, Any]] = {}
    month = min(days).replace(day=1)
    while month <= max(days):
        following = (month + timedelta(days=32)).replace(day=1)
        month_end = following - timedelta(days=1)
        windows = [
            month + timedelta(days=offset) for offset in range((month_end - month).days + 1)
            if trailing_sum(days, month + timedelta(days=offset))
        ]
        expected[(month,)] = {
            "emails_sent_to_date": sum(count for send_day, count in days.items() if send_day <= month_end),
            "emails_sent_trailing_7_days": trailing_sum(days, max(windows)) if windows else None,
        }
        month = following
    assert_rows_equal(mf_rows(mf, "cumulative_month"), ["metric_time__month"], CUMULATIVE_METRICS, expected)


def test_every_saved_query_runs_and_those_at_send_grain_equal_sql(mf: dict[str, Any], warehouse: tuple[Engine, Path]) -> None:
    """Every saved query of the project is listed here (a new one must be) and returns rows with the columns it
    groups by; those over the funnel metrics at send grain equal SQL over the fact grouped the same way (the others'
    metrics are compared above, query by query)."""
    engine, mirror = warehouse
    manifest = json.loads((mirror / "target" / "semantic_manifest.json").read_text())
    assert {query["name"] for query in manifest["saved_queries"]} == set(SAVED_QUERIES)
    for query in manifest["saved_queries"]:
        name, metrics = query["name"], query["query_params"]["metrics"]
        keys = SAVED_QUERIES[name]
        rows = mf_rows(mf, f"saved_{name}")
        assert rows and set(rows[0]) == {*keys, *metrics}, (name, sorted(rows[0]))
        for metric in metrics:
            assert any(row[metric] not in ("", "None") for row in rows), f"{name}: {metric} is always null"
        if all(expression is not None for expression in keys.values()):
            assert set(metrics) <= set(FUNNEL_METRICS), name
            expected = sql_expected(engine, funnel_sql(list(keys.values())), len(keys), FUNNEL_METRICS)
            assert_rows_equal(rows, list(keys), metrics, expected)
