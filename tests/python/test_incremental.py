"""Scheduled runs (spec 6, 7): incremental equals a full refresh, repeated and interrupted runs change
nothing, and a build at an earlier as-of reproduces the warehouse as it was known then. Real dbt builds,
on DuckDB and on Postgres."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import run_cli
from outreach_warehouse.warehouse import MARTS, DbtProject, Engine

MESSAGES = "20000"
SEED = "23"
BASE_AS_OF = "2026-01-01 01:00:00+00"


def snapshot(engine: Engine, exclude: tuple[str, ...] = ("updated",)) -> dict[str, list[tuple[object, ...]]]:
    rows = {mart: engine.mart_rows(mart, exclude=exclude) for mart in MARTS}
    assert all(rows.values()), "a mart is empty: equality would prove nothing"
    return rows


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
    incremental = snapshot(engine)
    summary_rows = engine.scalar("select count(*) from intermediate.int_message_event_summary")

    dbt_project.run(engine, "build", "--full-refresh")
    assert snapshot(engine) == incremental
    assert engine.scalar("select count(*) from intermediate.int_message_event_summary") == summary_rows


def test_the_same_build_twice_changes_nothing_but_updated(engine: Engine, dbt_project: DbtProject) -> None:
    load_base(engine)
    load_increment(engine, 1)
    dbt_project.run(engine, "build")
    first = snapshot(engine)
    first_updated = engine.scalar("select max(updated) from analytics.billing_analytics")
    dbt_project.run(engine, "build")
    assert snapshot(engine) == first
    assert engine.scalar("select max(updated) from analytics.billing_analytics") > first_updated


def test_a_build_killed_while_building_marts_recovers_on_the_next_run(
    engine: Engine, dbt_project: DbtProject, tmp_path: Path
) -> None:
    load_base(engine)
    dbt_project.run(engine, "build")
    load_increment(engine, 1)
    killed_at = kill_build_when_marts_start(engine, dbt_project)
    assert killed_at.startswith("model.outreach_warehouse."), killed_at
    dbt_project.run(engine, "build")
    recovered = snapshot(engine)
    dbt_project.run(engine, "build", "--full-refresh")
    assert recovered == snapshot(engine)


def kill_build_when_marts_start(engine: Engine, dbt_project: DbtProject) -> str:
    """Start `dbt build`, SIGKILL it as soon as a mart starts building; returns the node it was on."""
    command = [
        str(Path(sys.executable).with_name("dbt")), "build", "--log-format", "json",
        "--target-path", str(dbt_project.artifacts_dir / "target"), "--log-path", str(dbt_project.artifacts_dir / "logs"),
    ]
    env = {**os.environ, "DBT_PROFILES_DIR": str(dbt_project.project_dir), **engine.env}
    process = subprocess.Popen(command, cwd=dbt_project.project_dir, env=env, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    deadline = time.monotonic() + 600
    try:
        for line in process.stdout:
            node = json.loads(line).get("data", {}).get("node_info", {}) if line.startswith("{") else {}
            if (
                node.get("node_status") == "started"
                and node.get("resource_type") == "model"
                and node.get("node_path", "").startswith("marts/")
            ):
                time.sleep(0.5)  # let the mart's statement reach the engine, then pull the plug
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
                return str(node.get("unique_id", ""))
            if time.monotonic() > deadline:
                break
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    raise AssertionError("the build ended before any mart started: nothing was interrupted")


def test_an_earlier_as_of_reproduces_the_warehouse_known_then(
    engine: Engine, dbt_project: DbtProject, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    load_base(engine)
    for day in (1, 2):
        load_increment(engine, day)
    dbt_project.run(engine, "build")
    dbt_project.run(engine, "build", vars={"as_of": BASE_AS_OF})
    rewound = snapshot(engine)

    if engine.kind == "duckdb":
        earlier = Engine.duckdb(tmp_path / "earlier.duckdb")
        load_base(earlier)
        DbtProject(dbt_project.project_dir, tmp_path / "earlier-artifacts").run(earlier, "build")
        assert rewound == snapshot(earlier)
    else:
        server = request.getfixturevalue("postgres_server")
        earlier = Engine.postgres(server, database=engine.env["DBT_POSTGRES_DATABASE"] + "_earlier")
        earlier.create_database()
        try:
            load_base(earlier)
            DbtProject(dbt_project.project_dir, tmp_path / "earlier-artifacts").run(earlier, "build")
            assert rewound == snapshot(earlier)
        finally:
            earlier.drop_database()


def test_a_late_event_copy_with_an_earlier_extract_wins_as_in_a_full_refresh(
    engine: Engine, dbt_project: DbtProject
) -> None:
    """A webhook retry that lands after the run, inside the lookback, but carries an earlier extract time
    than the staged copy is the first copy: the incremental run must stage it, as a rebuild would."""
    load_base(engine)
    dbt_project.run(engine, "build")
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
    dbt_project.run(engine, "build")
    staged = f"select event_type from staging.stg_oltp__email_events where event_id = '{event_id}'"
    assert engine.query(staged) == [("replied",)]
    incremental = snapshot(engine)

    dbt_project.run(engine, "build", "--full-refresh")
    assert engine.query(staged) == [("replied",)]
    assert snapshot(engine) == incremental
