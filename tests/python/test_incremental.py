"""Scheduled runs (docs: rules_time_and_runs): incremental equals a full refresh, repeated and interrupted runs change
nothing, and a build at an earlier as-of reproduces the warehouse as it was known then. Real dbt builds,
on DuckDB and on Postgres. The proofs compare the marts where the incremental runs write them, the build schema
(analytics_build): builds without data tests are never published (write, audit, publish), and a published mart
is a copy of its build table (the first proof checks that too)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from datetime import timedelta, timezone
from pathlib import Path
from typing import Any, Callable

import pytest

from conftest import run_cli
from outreach_warehouse.raw_schema import RAW_TABLES
from outreach_warehouse.warehouse import BUILD_SCHEMA, MARTS, DbtProject, Engine

MESSAGES = "20000"
SEED = "23"
BASE_AS_OF = "2026-01-01 01:00:00+00"
# The proofs compare tables; the data and unit tests run on every build of the first proof, the as-of proof,
# the daily-selector proof and `make test`'s builds. Elsewhere they would only cost CI time.
WITHOUT_TESTS = ("--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")


def snapshot(
    engine: Engine, exclude: tuple[str, ...] = ("updated",), schema: str = BUILD_SCHEMA
) -> dict[str, list[tuple[object, ...]]]:
    rows = {mart: engine.mart_rows(mart, exclude=exclude, schema=schema) for mart in MARTS}
    assert all(rows.values()), "a mart is empty: equality would prove nothing"
    return rows


# The incremental intermediate state, compared too: a mart could hide a wrong row that sums to the same.
INCREMENTAL_STATE = (
    "int_messages_classified", "int_events_classified", "int_message_outcomes", "int_mailbox_periods_scored",
    "int_mailbox_period_funnels", "int_quarantine",
)


# Bookkeeping of the incremental runs, not results: when a row was recomputed, and what a message was before.
RUN_COLUMNS = ("recomputed_at", "counted_before", "billing_id_before", "campaign_id_before", "lead_id_before")


def state_snapshot(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    rows = {table: engine.table_rows("intermediate", table, exclude=RUN_COLUMNS) for table in INCREMENTAL_STATE}
    assert all(rows.values()), "an intermediate table is empty: equality would prove nothing"
    return rows


def assert_equals_a_full_refresh(engine: Engine, dbt_project: DbtProject, vars: dict[str, Any] | None = None) -> None:
    """The marts and the incremental intermediate tables as they stand equal a full refresh on the same data."""
    incremental, incremental_state = snapshot(engine), state_snapshot(engine)
    dbt_project.run(engine, "build", *WITHOUT_TESTS, "--full-refresh", vars=vars)
    assert snapshot(engine) == incremental
    full_state = state_snapshot(engine)
    for table in INCREMENTAL_STATE:
        assert full_state[table] == incremental_state[table], table


def load_base(engine: Engine) -> None:
    run_cli("load", "--target", engine.kind, "--messages", MESSAGES, "--seed", SEED, env=engine.env)


def load_increment(engine: Engine, day: int) -> None:
    run_cli(
        "load", "--target", engine.kind, "--messages", MESSAGES, "--seed", SEED, "--increment-day", str(day),
        env=engine.env,
    )


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> Engine:
    return request.getfixturevalue(f"{request.param}_engine")


def test_incremental_days_equal_a_full_refresh(engine: Engine, dbt_project: DbtProject) -> None:
    load_base(engine)
    dbt_project.run(engine, "build")
    for day in (1, 2, 3):
        load_increment(engine, day)
        dbt_project.run(engine, "build")
        results = {r["unique_id"]: r for r in dbt_project.run_results()["results"]}
        assert results["model.outreach_warehouse.stg_oltp__email_events"]["status"] == "success"
        # each of these builds passed its checks, so it published its marts: exactly its build tables (a day
        # publishes the rows whose (id, updated) changed and deletes those that left: nothing else may differ)
        assert snapshot(engine, exclude=(), schema="analytics") == snapshot(engine, exclude=()), day
    assert_equals_a_full_refresh(engine, dbt_project)


def test_the_same_build_twice_changes_nothing_but_updated(engine: Engine, dbt_project: DbtProject) -> None:
    load_base(engine)
    load_increment(engine, 1)
    dbt_project.run(engine, "build", *WITHOUT_TESTS)
    first = snapshot(engine)
    first_updated = engine.scalar("select max(updated) from analytics_build.billing_analytics")
    dbt_project.run(engine, "build", *WITHOUT_TESTS)
    assert snapshot(engine) == first
    assert engine.scalar("select max(updated) from analytics_build.billing_analytics") > first_updated


def test_a_build_killed_while_building_marts_recovers_on_the_next_run(
    engine: Engine, dbt_project: DbtProject, tmp_path: Path
) -> None:
    load_base(engine)
    dbt_project.run(engine, "build", *WITHOUT_TESTS)
    load_increment(engine, 1)
    killed_at, _ = watch_build(engine, dbt_project, starts=is_mart, on_start=kill)
    assert killed_at.startswith("model.outreach_warehouse."), killed_at
    dbt_project.run(engine, "build", *WITHOUT_TESTS)
    recovered = snapshot(engine)
    dbt_project.run(engine, "build", *WITHOUT_TESTS, "--full-refresh")
    assert recovered == snapshot(engine)


def test_a_build_killed_between_the_changed_messages_and_the_marts_is_finished_by_the_next_run(
    engine: Engine, dbt_project: DbtProject
) -> None:
    """What a killed run staged stays a change until a run completes (changes are read since the last completed
    run's start): the next run, with a day of its own on top, recomputes them too, and the warehouse equals a full
    refresh."""
    load_base(engine)
    dbt_project.run(engine, "build", *WITHOUT_TESTS)
    load_increment(engine, 1)
    killed_at, _ = watch_build(
        engine, dbt_project, starts=lambda node: node.get("unique_id", "").endswith(".int_events_classified"), on_start=kill
    )
    assert killed_at.endswith(".int_events_classified"), killed_at
    killed_run = engine.query(
        "select invocation_id, run_started_at from intermediate.warehouse_runs "
        "where run_started_at = (select max(run_started_at) from intermediate.warehouse_runs)"
    )[0]
    assert engine.scalar(
        f"select count(*) from intermediate.warehouse_runs where invocation_id = '{killed_run[0]}' and completed_at is null"
    ) == 1
    pending = engine.scalar("select count(*) from intermediate.int_changed_messages")
    assert pending > 0, "the killed run found no changed messages"

    load_increment(engine, 2)
    dbt_project.run(engine, "build", *WITHOUT_TESTS)
    assert engine.scalar("select count(*) from intermediate.warehouse_runs where completed_at is not null") == 2
    assert_equals_a_full_refresh(engine, dbt_project)


def is_mart(node: dict[str, Any]) -> bool:
    return node.get("resource_type") == "model" and node.get("node_path", "").startswith("marts/")


def kill(process: subprocess.Popen[str]) -> None:
    time.sleep(0.5)  # let the node's statement reach the engine, then pull the plug
    os.kill(process.pid, signal.SIGKILL)


def watch_build(
    engine: Engine,
    dbt_project: DbtProject,
    starts: Callable[[dict[str, Any]], bool],
    on_start: Callable[[subprocess.Popen[str]], None],
) -> tuple[str, int]:
    """Run `dbt build`; when the first node for which `starts(node_info)` holds starts, call `on_start` with
    the process (kill it, or change the raw data under it). Returns that node's id and the exit code."""
    process = dbt_project.dbt(engine).command("build", "--log-format", "json").popen(stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    seen = ""
    deadline = time.monotonic() + 900
    try:
        for line in process.stdout:
            node = json.loads(line).get("data", {}).get("node_info", {}) if line.startswith("{") else {}
            if not seen and node.get("node_status") == "started" and starts(node):
                seen = str(node.get("unique_id", ""))
                on_start(process)
            if time.monotonic() > deadline:
                break
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert seen, "the build ended before the awaited node started"
    return seen, process.returncode


@pytest.mark.postgres
def test_one_as_of_holds_for_the_whole_build_while_an_extract_lands(
    postgres_engine: Engine, dbt_project: DbtProject
) -> None:
    """The as-of is resolved once per invocation (on-run-start, into the run log): a message extracted while
    the build runs is left out by every model and test of that build, then taken by the next one."""
    engine = postgres_engine
    load_base(engine)
    dbt_project.run(engine, "build")
    load_increment(engine, 1)
    as_of_before = engine.scalar("select max(_extracted_at) from raw_oltp.email_messages")
    message_id = engine.scalar("select min(message_id) from intermediate.int_message_outcomes")

    def land_an_extract(process: subprocess.Popen[str]) -> None:
        copy_raw_row(engine, "email_messages", message_id, id="'landed-mid-build'",
                     sent_at=f"{LATEST_EXTRACT} + interval '1 hour'",
                     _extracted_at=f"{LATEST_EXTRACT} + interval '1 day'")

    _, exit_code = watch_build(engine, dbt_project, starts=lambda node: node.get("resource_type") == "model",
                               on_start=land_an_extract)
    assert exit_code == 0, "a test saw the landed extract: the build mixed two as-ofs"
    run_as_of = engine.query(
        "select as_of_at from intermediate.warehouse_runs where completed_at is not null order by run_started_at desc"
    )[0][0]
    assert run_as_of == as_of_before
    landed = "select count(*) from staging.stg_oltp__email_messages where message_id = 'landed-mid-build'"
    assert engine.scalar(landed) == 0

    dbt_project.run(engine, "build")
    assert engine.scalar(landed) == 1
    assert engine.scalar(
        "select count(*) from intermediate.int_messages_classified where message_id = 'landed-mid-build'"
    ) == 1


def empty_busiest_past_period(built: Engine, raw: Engine) -> int:
    """Re-extracts every message of the past billing period with the most counted messages (in `built`) with a type
    outside the vocabulary, into the raw extracts of `raw` (DuckDB or Postgres): the period will have no counted
    message. Returns its billing_id."""
    tenant_id, billing_id, period_start, period_end = built.query(
        "select periods.tenant_id, periods.billing_id, periods.period_start, periods.period_end "
        "from intermediate.int_billing_periods as periods "
        "inner join intermediate.int_message_outcomes as outcomes on periods.billing_id = outcomes.billing_id "
        "where periods.period_end < (select max(period_start) from intermediate.int_billing_periods) "
        "group by 1, 2, 3, 4 order by count(*) desc, 2 limit 1"
    )[0]
    bounds = [(value if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat() for value in (period_start, period_end)]
    columns = [name for name, _ in RAW_TABLES["email_messages"]]
    overrides = {"message_type": "'bulk'", "_extracted_at": f"{LATEST_EXTRACT} + interval '1 minute'"}
    raw.execute(
        f"insert into raw_oltp.email_messages ({', '.join(columns)}) "
        f"select {', '.join(overrides.get(name, name) for name in columns)} from raw_oltp.email_messages "
        f"where tenant_id = '{tenant_id}' and sent_at >= '{bounds[0]}' and sent_at < '{bounds[1]}'"
    )
    return int(billing_id)


def test_a_period_that_becomes_empty_loses_its_rows(engine: Engine, dbt_project: DbtProject) -> None:
    """Every message of one past billing period is re-extracted with a type outside the vocabulary: the period
    keeps its billing row (zero usage) and loses every per-message and mart row, as in a full refresh."""
    # a whole period quarantined on purpose passes the share at which the quarantine test turns to error
    share = {"quarantine_error_share": 0.5}
    load_base(engine)
    dbt_project.run(engine, "build", *WITHOUT_TESTS, vars=share)
    billing_id = empty_busiest_past_period(engine, engine)
    dbt_project.run(engine, "build", *WITHOUT_TESTS, vars=share)

    for table in ("intermediate.int_message_outcomes", "analytics_build.lead_analytics", "analytics_build.sequence_step_analytics",
                  "analytics_build.mailbox_analytics", "analytics_build.warmup_analytics"):
        assert engine.scalar(f"select count(*) from {table} where billing_id = {billing_id}") == 0, table
    assert engine.scalar(f"select count(*) from analytics_build.campaign_analytics where billing_id = {billing_id} and sent > 0") == 0
    assert engine.query(
        f"select emails_sent, mailboxes_used, campaigns_used, warmups_active from analytics_build.billing_analytics where id = {billing_id}"
    ) == [(0, 0, 0, 0)]
    assert_equals_a_full_refresh(engine, dbt_project, vars=share)


def test_a_send_beyond_the_current_period_counts_once_the_as_of_reaches_it(
    engine: Engine, dbt_project: DbtProject
) -> None:
    """A message sent after the as-of, in a billing period that does not exist yet, is quarantined as future;
    a later run whose as-of reaches it (no new extract, no lookback) counts it in its new period, as a full
    refresh does."""
    load_base(engine)
    dbt_project.run(engine, "build", *WITHOUT_TESTS, vars=NO_LOOKBACK)
    message_id, tenant_id = engine.query(
        "select message_id, tenant_id from intermediate.int_message_outcomes where message_type = 'warmup' "
        "order by message_id limit 1"
    )[0]
    beyond = engine.scalar(f"select max(period_end) from intermediate.int_billing_periods where tenant_id = '{tenant_id}'")
    sent_at = beyond + timedelta(days=1)
    copy_raw_row(engine, "email_messages", message_id, id="'sent-beyond'", sent_at=f"cast('{sent_at.isoformat()}' as timestamptz)",
                 _extracted_at=f"{LATEST_EXTRACT} + interval '1 minute'")
    dbt_project.run(engine, "build", *WITHOUT_TESTS, vars=NO_LOOKBACK)
    assert quarantine_reasons(engine, "int_messages_classified", "message_id", ["sent-beyond"]) == ["future_sent_at"]
    assert engine.scalar("select billing_id from intermediate.int_messages_classified where message_id = 'sent-beyond'") is None

    reached = {**NO_LOOKBACK, "as_of": (sent_at + timedelta(days=1)).isoformat()}
    dbt_project.run(engine, "build", *WITHOUT_TESTS, vars=reached)
    assert quarantine_reasons(engine, "int_messages_classified", "message_id", ["sent-beyond"]) == [None]
    assert engine.scalar("select count(*) from intermediate.int_message_outcomes where message_id = 'sent-beyond'") == 1
    assert_equals_a_full_refresh(engine, dbt_project, vars=reached)


def latest_run_start(engine: Engine) -> Any:
    return engine.scalar("select max(run_started_at) from intermediate.warehouse_runs where completed_at is not null")


def rows_written_by(
    engine: Engine, table: str, columns: str, run_start: Any, written: str = "recomputed_at", key: str | None = None
) -> set[Any]:
    """The rows of `table` (its `columns`) that the run started at `run_start` wrote; with `key`, those whose key
    is not null (rows with a null key, which no key can replace, are rewritten on every run)."""
    keyed = f" and {key} is not null" if key else ""
    return set(engine.query(
        f"select {columns} from {table} where {written} = cast('{run_start.isoformat()}' as timestamptz){keyed}"
    ))


def test_a_late_event_for_a_message_three_periods_back_rewrites_that_message_and_its_keys_only(
    engine: Engine, dbt_project: DbtProject
) -> None:
    """A reply extracted today for a message sent three billing periods ago counts in that old period (send
    cohort). The run rewrites that message's rows and the lead_analytics key it belongs to, and no other message
    (the lookback reads the last extracts again, unchanged: no change), and the warehouse equals a full refresh."""
    load_base(engine)
    dbt_project.run(engine, "build", *WITHOUT_TESTS)
    message_id, campaign_id, lead_id, billing_id = engine.query(
        "select outcomes.message_id, outcomes.campaign_id, outcomes.lead_id, outcomes.billing_id "
        "from intermediate.int_message_outcomes as outcomes "
        "inner join intermediate.int_billing_periods as periods on outcomes.billing_id = periods.billing_id "
        "where outcomes.message_type = 'campaign' and not outcomes.is_replied and outcomes.is_delivered "
        "and periods.period_index = (select max(period_index) - 3 from intermediate.int_billing_periods as latest "
        "where latest.tenant_id = periods.tenant_id) "
        "order by outcomes.message_id limit 1"
    )[0]
    replied = f"select replied from analytics_build.campaign_analytics where campaign_id = '{campaign_id}' and billing_id = {billing_id}"
    replied_before = engine.scalar(replied)
    events_of_the_message = set(engine.query(
        f"select event_id from intermediate.int_events_classified where message_id = '{message_id}'"
    )) | {("late-reply",)}
    engine.execute(
        "insert into raw_oltp.email_events (id, message_id, event_type, occurred_at, bounce_type, is_bot, payload, "
        f"received_at, _extracted_at) select 'late-reply', id, 'replied', sent_at + interval '1 hour', null, false, "
        f"'{{}}', {LATEST_EXTRACT}, {LATEST_EXTRACT} "
        f"from raw_oltp.email_messages where id = '{message_id}' limit 1"
    )
    dbt_project.run(engine, "build", *WITHOUT_TESTS)
    run_start = latest_run_start(engine)
    assert engine.query("select message_id, change_reason from intermediate.int_changed_messages") == [
        (message_id, "event_staged")
    ]
    assert rows_written_by(
        engine, "intermediate.int_messages_classified", "message_id", run_start, key="message_id"
    ) == {(message_id,)}
    assert rows_written_by(
        engine, "intermediate.int_events_classified", "event_id", run_start, key="event_id"
    ) == events_of_the_message
    assert rows_written_by(engine, "intermediate.int_message_outcomes", "message_id, is_replied", run_start) == {
        (message_id, True)
    }
    # lead_analytics: the message's key, and beside it only keys of enrolments with a version the lookback reads
    # again (an enrolment version is compared with the latest one before the lookback: conservative, never missed)
    written_keys = rows_written_by(
        engine, "analytics_build.lead_analytics", "lead_id, campaign_id, billing_id", run_start, written="updated"
    )
    assert (lead_id, campaign_id, billing_id) in written_keys
    reread_enrolments = set(engine.query(
        "select lead_id, campaign_id from raw_oltp.campaign_leads where _extracted_at > "
        f"{LATEST_EXTRACT} - interval '48 hours'"
    ))
    assert {(lead, campaign) for lead, campaign, _ in written_keys} - {(lead_id, campaign_id)} <= reread_enrolments
    assert engine.scalar(replied) == replied_before + 1
    assert_equals_a_full_refresh(engine, dbt_project)


def test_a_campaign_status_changes_its_rows_and_recomputes_no_message(engine: Engine, dbt_project: DbtProject) -> None:
    """A new version of a campaign (its status) changes how no message counts: no message is recomputed, the
    campaign's mart rows show the new status, and the warehouse equals a full refresh."""
    load_base(engine)
    dbt_project.run(engine, "build", *WITHOUT_TESTS)
    campaign_id = engine.scalar(
        "select campaign_id from analytics_build.campaign_analytics group by campaign_id order by count(*) desc, 1 limit 1"
    )
    status = engine.scalar(f"select min(status) from analytics_build.campaign_analytics where campaign_id = '{campaign_id}'")
    new_status = "paused" if status != "paused" else "completed"
    copy_raw_row(engine, "campaigns", campaign_id, status=f"'{new_status}'", updated=LATEST_EXTRACT,
                 _extracted_at=LATEST_EXTRACT)
    dbt_project.run(engine, "build", *WITHOUT_TESTS)
    run_start = latest_run_start(engine)
    assert engine.scalar("select count(*) from intermediate.int_changed_messages") == 0
    assert rows_written_by(engine, "intermediate.int_message_outcomes", "message_id", run_start) == set()
    assert engine.query(
        f"select distinct status from analytics_build.campaign_analytics where campaign_id = '{campaign_id}'"
    ) == [(new_status,)]
    assert_equals_a_full_refresh(engine, dbt_project)


def test_a_changed_var_recomputes_everything_by_itself(engine: Engine, dbt_project: DbtProject) -> None:
    """The settings that change results are recorded with each completed run: a build with another health window
    recomputes every message and key without --full-refresh, and equals a full refresh with that window."""
    load_base(engine)
    dbt_project.run(engine, "build", *WITHOUT_TESTS)
    narrow = {"health_window_hours": 72}
    dbt_project.run(engine, "build", *WITHOUT_TESTS, vars=narrow)
    run_start = latest_run_start(engine)
    messages = engine.scalar("select count(*) from intermediate.int_message_outcomes")
    assert len(rows_written_by(engine, "intermediate.int_message_outcomes", "message_id", run_start)) == messages
    assert engine.scalar("select count(*) from intermediate.int_messages_classified where counted_before is not null") == 0
    assert_equals_a_full_refresh(engine, dbt_project, vars=narrow)


def test_an_earlier_as_of_reproduces_the_warehouse_known_then(
    engine: Engine, dbt_project: DbtProject, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    load_base(engine)
    for day in (1, 2):
        load_increment(engine, day)
    dbt_project.run(engine, "build", *WITHOUT_TESTS)
    dbt_project.run(engine, "build", *WITHOUT_TESTS, vars={"as_of": BASE_AS_OF})
    rewound = snapshot(engine)

    if engine.kind == "duckdb":
        earlier = Engine.duckdb(tmp_path / "earlier.duckdb")
        load_base(earlier)
        DbtProject(dbt_project.project_dir, tmp_path / "earlier-artifacts").run(earlier, "build", *WITHOUT_TESTS)
        assert rewound == snapshot(earlier)
    else:
        server = request.getfixturevalue("postgres_server")
        earlier = Engine.postgres(server, database=engine.env["DBT_POSTGRES_DATABASE"] + "_earlier")
        earlier.create_database()
        try:
            load_base(earlier)
            DbtProject(dbt_project.project_dir, tmp_path / "earlier-artifacts").run(earlier, "build", *WITHOUT_TESTS)
            assert rewound == snapshot(earlier)
        finally:
            earlier.drop_database()


def test_a_late_event_copy_with_an_earlier_extract_wins_as_in_a_full_refresh(
    engine: Engine, dbt_project: DbtProject
) -> None:
    """A webhook retry that lands after the run, inside the lookback, but carries an earlier extract time
    than the staged copy is the first copy: the incremental run must stage it, as a rebuild would."""
    load_base(engine)
    dbt_project.run(engine, "build", *WITHOUT_TESTS)
    event_id = engine.scalar(
        "select min(event_id) from staging.stg_oltp__email_events where event_type = 'delivered' "
        "and extracted_at = (select max(extracted_at) from staging.stg_oltp__email_events where event_type = 'delivered')"
    )
    assert event_id is not None
    columns = "id, message_id, event_type, occurred_at, bounce_type, is_bot, payload, received_at, _extracted_at"
    engine.execute(
        f"insert into raw_oltp.email_events ({columns}) "
        "select id, message_id, 'replied', occurred_at, bounce_type, is_bot, payload, received_at, "
        f"_extracted_at - interval '1 hour' from raw_oltp.email_events where id = '{event_id}'"
    )
    dbt_project.run(engine, "build", *WITHOUT_TESTS)
    staged = f"select event_type from staging.stg_oltp__email_events where event_id = '{event_id}'"
    assert engine.query(staged) == [("replied",)]
    incremental = snapshot(engine)

    dbt_project.run(engine, "build", *WITHOUT_TESTS, "--full-refresh")
    assert engine.query(staged) == [("replied",)]
    assert snapshot(engine) == incremental


# No lookback in the scenario below: a row extracted on an earlier day is then never re-read, so only the
# incremental models' own invalidation can reclassify it.
NO_LOOKBACK = {"incremental_lookback_hours": 0}
LATEST_EXTRACT = "(select max(_extracted_at) from raw_oltp.email_messages)"


def copy_raw_row(engine: Engine, table: str, source_id: str, **overrides: str) -> None:
    """Insert a copy of the latest raw row of `source_id`, columns overridden by SQL expressions."""
    columns = [name for name, _ in RAW_TABLES[table]]
    values = ", ".join(overrides.get(name, name) for name in columns)
    engine.execute(
        f"insert into raw_oltp.{table} ({', '.join(columns)}) "
        f"select {values} from raw_oltp.{table} where id = '{source_id}' order by _extracted_at desc limit 1"
    )


def quarantine_reasons(engine: Engine, model: str, key: str, ids: list[str]) -> list[object]:
    listed = ", ".join(f"'{value}'" for value in ids)
    rows = engine.query(f"select {key}, quarantine_reason from intermediate.{model} where {key} in ({listed})")
    by_id = dict(rows)
    return [by_id.get(value, "absent") for value in ids]


def test_reasons_that_change_without_a_new_extract_are_reclassified_as_in_a_full_refresh(
    engine: Engine, dbt_project: DbtProject
) -> None:
    """Incremental runs and bad input: a message or event can start or stop counting without being extracted again. A
    missing lead arrives, a future send time and event time pass the as-of, the message of an orphan event
    arrives, a tenant is deleted, a tenant's sign-up moves (its billing periods with it), a step moves to
    another campaign. Built day by day without lookback, the state must equal a full refresh."""
    load_base(engine)
    dbt_project.run(engine, "build", *WITHOUT_TESTS, vars=NO_LOOKBACK)
    counted = engine.query(
        "select message_id, tenant_id, step_id, sent_at from intermediate.int_message_outcomes "
        "where message_type = 'campaign' order by message_id"
    )
    message_id, message_tenant = counted[0][0], counted[0][1]
    other_tenants = sorted({row[1] for row in counted if row[1] != message_tenant})
    deleted_tenant, moved_tenant, step_tenant = other_tenants[:3]

    # Day 1: rows that arrive quarantined.
    load_increment(engine, 1)
    copy_raw_row(engine, "email_messages", message_id, id="'late-lead-message'", lead_id="'late-lead'",
                 _extracted_at=LATEST_EXTRACT)
    copy_raw_row(engine, "email_messages", message_id, id="'future-message'", _extracted_at=LATEST_EXTRACT,
                 sent_at=f"{LATEST_EXTRACT} + interval '1 hour'")
    orphan_event = f"(select sent_at from raw_oltp.email_messages where id = '{message_id}' limit 1)"
    event_columns = "id, message_id, event_type, occurred_at, bounce_type, is_bot, payload, received_at, _extracted_at"
    for event_id, event_message, event_type, occurred_at in [
        ("future-message-delivered", "future-message", "delivered", f"{LATEST_EXTRACT} + interval '2 hours'"),
        ("future-reply", message_id, "replied", f"{LATEST_EXTRACT} + interval '1 hour'"),
        ("orphan-delivered", "late-message", "delivered", f"{orphan_event} + interval '1 hour'"),
    ]:
        engine.execute(
            f"insert into raw_oltp.email_events ({event_columns}) select '{event_id}', '{event_message}', "
            f"'{event_type}', {occurred_at}, null, false, '{{}}', {LATEST_EXTRACT}, {LATEST_EXTRACT}"
        )
    dbt_project.run(engine, "build", *WITHOUT_TESTS, vars=NO_LOOKBACK)
    assert quarantine_reasons(engine, "int_messages_classified", "message_id", ["late-lead-message", "future-message"]) \
        == ["missing_lead", "future_sent_at"]
    assert quarantine_reasons(
        engine, "int_events_classified", "event_id", ["future-message-delivered", "future-reply", "orphan-delivered"]
    ) == ["message_quarantined", "future_occurred_at", "unknown_message"]

    # Day 2: what they waited for arrives, and entities change under counted messages.
    load_increment(engine, 2)
    lead_id = engine.scalar(f"select lead_id from intermediate.int_message_outcomes where message_id = '{message_id}'")
    copy_raw_row(engine, "leads", lead_id, id="'late-lead'", _extracted_at=LATEST_EXTRACT)
    copy_raw_row(engine, "email_messages", message_id, id="'late-message'", _extracted_at=LATEST_EXTRACT)
    sends = sorted(row[3] for row in counted if row[1] == deleted_tenant)
    deleted_at = sends[-2].isoformat()  # its last send, and its sends of the increments, come after it
    copy_raw_row(engine, "tenants", deleted_tenant, deleted=f"cast('{deleted_at}' as timestamptz)",
                 updated=LATEST_EXTRACT, _extracted_at=LATEST_EXTRACT)
    periods_before_the_move = set(engine.query(
        f"select billing_id from intermediate.int_billing_periods where tenant_id = '{moved_tenant}'"
    ))
    copy_raw_row(engine, "tenants", moved_tenant, created="created - interval '10 days'",
                 updated=LATEST_EXTRACT, _extracted_at=LATEST_EXTRACT)
    moved_step = next(row[2] for row in counted if row[1] == step_tenant)
    other_campaign = engine.scalar(
        "select min(id) from raw_oltp.campaigns where id <> "
        f"(select campaign_id from raw_oltp.campaign_sequence_steps where id = '{moved_step}' limit 1)"
    )
    copy_raw_row(engine, "campaign_sequence_steps", moved_step, campaign_id=f"'{other_campaign}'",
                 updated=LATEST_EXTRACT, _extracted_at=LATEST_EXTRACT)
    dbt_project.run(engine, "build", *WITHOUT_TESTS, vars=NO_LOOKBACK)

    assert quarantine_reasons(
        engine, "int_messages_classified", "message_id", ["late-lead-message", "future-message", "late-message"]
    ) == [None, None, None]
    assert quarantine_reasons(
        engine, "int_events_classified", "event_id", ["future-message-delivered", "future-reply", "orphan-delivered"]
    ) == [None, None, None]
    reasons = dict(engine.query(
        "select quarantine_reason, count(*) from intermediate.int_messages_classified "
        f"where tenant_id = '{deleted_tenant}' or step_id = '{moved_step}' group by quarantine_reason"
    ))
    assert reasons.get("after_tenant_deleted", 0) > 0 and reasons.get("step_of_another_campaign", 0) > 0, reasons
    moved_periods = set(engine.query(
        f"select billing_id from intermediate.int_billing_periods where tenant_id = '{moved_tenant}'"
    ))
    assert moved_periods and not moved_periods & periods_before_the_move, "the tenant's periods did not move"
    for table in ("intermediate.int_message_outcomes", "analytics_build.lead_analytics", "analytics_build.mailbox_analytics"):
        stale = ", ".join(str(row[0]) for row in periods_before_the_move)
        assert engine.scalar(f"select count(*) from {table} where billing_id in ({stale})") == 0, table
    assert_equals_a_full_refresh(engine, dbt_project, vars=NO_LOOKBACK)


def test_the_daily_selector_tests_the_recomputed_rows_and_leaves_the_balances_to_weekly(
    duckdb_engine: Engine, dbt_project: DbtProject
) -> None:
    """`--selector daily` (the job) reads the big tables' tests on the rows recomputed since the last completed run
    only and skips the
    whole-table balances (tag weekly); a plain `dbt build` (CI, weekly) runs every test on whole tables."""
    engine = duckdb_engine
    load_base(engine)
    dbt_project.run(engine, "build")
    load_increment(engine, 1)

    def compiled_test(name: str) -> str:
        matches = list((dbt_project.artifacts_dir / "target" / "run").rglob(f"{name}*.sql"))
        assert len(matches) == 1, (name, matches)
        return matches[0].read_text()

    dbt_project.run(engine, "build", "--selector", "daily")
    daily = {result["unique_id"] for result in dbt_project.run_results()["results"]}
    assert not any("conserved" in unique_id for unique_id in daily)
    last_completed_start = engine.query(
        "select run_started_at from intermediate.warehouse_runs where completed_at is not null "
        "order by run_started_at desc"
    )[1][0]
    for test in ("unique_int_message_outcomes_message_id", "funnel_is_consistent_lead_analytics_",
                 "funnel_is_consistent_message_analytics_", "unique_message_analytics_id"):
        assert last_completed_start.strftime("%Y-%m-%d %H:%M:%S") in compiled_test(test), test
    changed = engine.scalar("select count(*) from intermediate.int_changed_messages")
    assert 0 < changed < engine.scalar("select count(*) from staging.stg_oltp__email_messages")

    dbt_project.run(engine, "build")
    weekly = {result["unique_id"] for result in dbt_project.run_results()["results"]}
    assert {"test.outreach_warehouse.assert_messages_conserved", "test.outreach_warehouse.assert_events_conserved"} <= weekly
    assert "1900-01-01" in compiled_test("unique_int_message_outcomes_message_id")
