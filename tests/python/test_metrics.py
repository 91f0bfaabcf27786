"""The semantic layer answers what SQL over the marts answers: metrics queried through MetricFlow (`mf query`,
a saved query included) on a freshly built DuckDB warehouse equal sums, ratios and averages computed here."""

from __future__ import annotations

import csv
import math
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from conftest import PROJECT_DIR, run_cli
from outreach_warehouse.warehouse import DbtProject, Engine

TOLERANCE = 1e-9

# The campaign funnel of each tenant and billing period, over the marts (rates: ratios of sums).
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


def mf_query(warehouse: tuple[Engine, Path], output: Path, *args: str) -> list[dict[str, str]]:
    """Rows of `mf query ... --csv output`, run as a subprocess with the build's environment."""
    engine, mirror = warehouse
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_PROJECT_DIR": str(mirror),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
        **engine.env,
    }
    command = [str(Path(sys.executable).with_name("mf")), "query", *args, "--csv", str(output), "--quiet"]
    result = subprocess.run(command, cwd=mirror, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"mf {' '.join(args)} failed:\n{result.stdout[-5000:]}\n{result.stderr[-5000:]}"
    assert output.exists(), f"mf {' '.join(args)} returned no rows:\n{result.stdout[-2000:]}"
    with output.open(newline="") as handle:
        return list(csv.DictReader(handle))


def number(value: str) -> float | None:
    return None if value in ("", "None") else float(value)


def day(value: str) -> date:
    return date.fromisoformat(value[:10])


def assert_close(actual: float | None, expected: Any, where: str) -> None:
    if expected is None:
        assert actual is None, f"{where}: {actual} from mf, null from SQL"
        return
    assert actual is not None, f"{where}: null from mf, {expected} from SQL"
    assert math.isclose(actual, float(expected), rel_tol=TOLERANCE, abs_tol=TOLERANCE), (
        f"{where}: {actual} from mf, {expected} from SQL"
    )


def test_tenant_funnel_saved_query_equals_sql_over_the_marts(warehouse: tuple[Engine, Path], tmp_path: Path) -> None:
    engine, _ = warehouse
    rows = mf_query(warehouse, tmp_path / "funnel.csv", "--saved-query", "tenant_funnel_by_billing_period")
    metrics = [
        "emails_sent", "emails_delivered", "delivery_rate", "open_rate", "click_rate", "reply_rate",
        "bounce_rate", "spam_complaint_rate", "unsubscribe_rate", "completed_leads",
    ]
    actual = {(row["tenant"], day(row["metric_time__day"])): row for row in rows}
    assert len(actual) == len(rows), "one row per tenant and period start day"
    expected = {(row[0], row[1]): dict(zip(metrics, row[2:])) for row in engine.query(TENANT_FUNNEL_SQL)}

    assert expected, "the build produced no campaign rows"
    assert actual.keys() == expected.keys()
    for key, values in expected.items():
        for metric in metrics:
            assert_close(number(actual[key][metric]), values[metric], f"{metric} of {key}")
    # Real values, not a table of zeros: every funnel stage shows up somewhere.
    for metric in ["emails_sent", "open_rate", "click_rate", "reply_rate", "bounce_rate", "completed_leads"]:
        assert any((number(row[metric]) or 0) > 0 for row in rows), metric
    assert sum(number(row["emails_sent"]) or 0 for row in rows) == engine.scalar(
        "select sum(emails_sent) from analytics.billing_analytics"
    )


def test_mailbox_health_by_tenant_and_period_equals_sql(warehouse: tuple[Engine, Path], tmp_path: Path) -> None:
    engine, _ = warehouse
    rows = mf_query(
        warehouse, tmp_path / "mailboxes.csv",
        "--metrics", "average_mailbox_health_score,mailbox_bounce_rate,mailboxes_sending",
        "--group-by", "tenant,metric_time__day",
    )
    metrics = ["average_mailbox_health_score", "mailbox_bounce_rate", "mailboxes_sending"]
    actual = {(row["tenant"], day(row["metric_time__day"])): row for row in rows}
    expected = {(row[0], row[1]): dict(zip(metrics, row[2:])) for row in engine.query(MAILBOX_HEALTH_SQL)}

    assert expected, "the build produced no mailbox rows"
    assert actual.keys() == expected.keys()
    for key, values in expected.items():
        for metric in metrics:
            assert_close(number(actual[key][metric]), values[metric], f"{metric} of {key}")
    scores = [number(row["average_mailbox_health_score"]) or 0 for row in rows]
    assert all(0 <= score <= 100 for score in scores) and any(score < 100 for score in scores)


def test_completed_leads_by_campaign_equal_sql(warehouse: tuple[Engine, Path], tmp_path: Path) -> None:
    engine, _ = warehouse
    rows = mf_query(
        warehouse, tmp_path / "campaigns.csv", "--metrics", "completed_leads,emails_sent", "--group-by", "campaign"
    )
    actual = {row["campaign"]: row for row in rows}
    expected = {row[0]: {"completed_leads": row[1], "emails_sent": row[2]} for row in engine.query(CAMPAIGN_TOTALS_SQL)}

    assert expected and actual.keys() == expected.keys()
    for campaign, values in expected.items():
        for metric, value in values.items():
            assert_close(number(actual[campaign][metric]), value, f"{metric} of campaign {campaign}")
    assert sum(number(row["completed_leads"]) or 0 for row in rows) > 0
