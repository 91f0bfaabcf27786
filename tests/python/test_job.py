"""The scheduler's entry point (`python -m outreach_warehouse job`): each exit code it documents, on a real
DuckDB warehouse, with the artifacts of every step kept under the run's directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PROJECT_DIR, run_cli
from outreach_warehouse.job import (
    EXIT_BUILD_FAILED,
    EXIT_DBT_ERROR,
    EXIT_OK,
    EXIT_RAW_EXTRACTS_BROKEN,
    EXIT_STALE_SOURCES,
)
from outreach_warehouse.raw_schema import RAW_TABLES
from outreach_warehouse.warehouse import Engine


@pytest.fixture(scope="module")
def loaded_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Demo extracts (dated in the loader's past, hence stale for today's freshness check)."""
    path = tmp_path_factory.mktemp("job") / "stale.duckdb"
    run_cli("load", "--target", "duckdb", "--messages", "3000", "--seed", "5", env={"DBT_DUCKDB_PATH": str(path)})
    return path


def copy_of(warehouse: Path, tmp_path: Path) -> Engine:
    copy = tmp_path / "warehouse.duckdb"
    copy.write_bytes(warehouse.read_bytes())
    return Engine.duckdb(copy)


def make_fresh(engine: Engine) -> None:
    """Shift each table's extracts so that its latest one was taken an hour ago: every source passes freshness."""
    for table in RAW_TABLES:
        engine.execute(
            f"update raw_oltp.{table} set _extracted_at = _extracted_at "
            f"+ (now() - interval '1 hour' - (select max(_extracted_at) from raw_oltp.{table}))"
        )


def run_job(engine: Engine, artifacts: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, Path]:
    result = subprocess.run(
        [sys.executable, "-m", "outreach_warehouse", "job", "--artifacts-dir", str(artifacts), *args],
        cwd=PROJECT_DIR,
        env={**os.environ, "DBT_PROFILES_DIR": str(PROJECT_DIR), **engine.env, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    runs = sorted(artifacts.iterdir())
    assert len(runs) == 1, runs
    assert (runs[0] / "exit_code").read_text().strip() == str(result.returncode), result.stderr
    return result.returncode, runs[0]


def statuses(run_results: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for result in json.loads(run_results.read_text())["results"]:
        counts[result["status"]] = counts.get(result["status"], 0) + 1
    return counts


def test_fresh_sources_build_and_exit_0(loaded_warehouse: Path, tmp_path: Path) -> None:
    engine = copy_of(loaded_warehouse, tmp_path)
    make_fresh(engine)
    code, run = run_job(engine, tmp_path / "artifacts")
    assert code == EXIT_OK, (run / "job.log").read_text()[-5000:]
    assert json.loads((run / "1-freshness" / "sources.json").read_text())["results"]
    build = statuses(run / "2-build" / "run_results.json")
    assert build.get("success", 0) > 20 and build.get("pass", 0) > 50, build
    assert not (run / "3-retry").exists()
    assert engine.scalar("select count(*) from analytics.billing_analytics") > 0
    # the summary follows the publication log; the freshness step left no run-log row that never completes
    assert "the marts were published" in (run / "job.log").read_text()
    assert engine.scalar("select count(*) from intermediate.warehouse_runs where completed_at is null") == 0
    # the docs site of the build, published with the run's artifacts
    site = (run / "docs" / "static_index.html").read_text()
    assert "billing_analytics" in site and len(site) > 1_000_000


def test_stale_sources_exit_2_and_build_nothing(loaded_warehouse: Path, tmp_path: Path) -> None:
    engine = copy_of(loaded_warehouse, tmp_path)
    code, run = run_job(engine, tmp_path / "artifacts")
    assert code == EXIT_STALE_SOURCES
    freshness = json.loads((run / "1-freshness" / "sources.json").read_text())["results"]
    assert "error" in {result["status"] for result in freshness}
    assert not (run / "2-build").exists()
    assert engine.scalar("select count(*) from information_schema.tables where table_schema = 'analytics'") == 0


def test_a_build_failing_twice_is_retried_once_and_exits_1(loaded_warehouse: Path, tmp_path: Path) -> None:
    engine = copy_of(loaded_warehouse, tmp_path)
    make_fresh(engine)
    # a quarantine threshold below zero: the share test errors on any data, on the build and on the retry
    code, run = run_job(engine, tmp_path / "artifacts", "--vars", '{"quarantine_error_share": -1}')
    assert code == EXIT_BUILD_FAILED
    assert statuses(run / "2-build" / "run_results.json").get("fail") == 1
    retried = json.loads((run / "3-retry" / "run_results.json").read_text())["results"]
    failed = [result["unique_id"] for result in retried if result["status"] in ("fail", "error")]
    assert len(failed) == 1 and "quarantine_share_within_limit" in failed[0], failed
    assert "the published marts were kept" in (run / "job.log").read_text()
    # the build and its retry ran at one as-of, pinned by the job before the build
    build_args = json.loads((run / "2-build" / "run_results.json").read_text())["args"]["vars"]
    retry_args = json.loads((run / "3-retry" / "run_results.json").read_text())["args"]["vars"]
    assert build_args["as_of"] and build_args == retry_args, (build_args, retry_args)
    assert build_args["quarantine_error_share"] == -1
    recorded = engine.query("select distinct as_of_at from intermediate.warehouse_runs")
    assert len(recorded) == 1, recorded


def test_a_broken_extract_exits_4_and_builds_nothing(loaded_warehouse: Path, tmp_path: Path) -> None:
    """Fresh sources, but a raw column renamed: the build stops before anything builds, without a retry."""
    engine = copy_of(loaded_warehouse, tmp_path)
    make_fresh(engine)
    engine.execute("alter table raw_oltp.email_events rename column is_bot to bot")
    code, run = run_job(engine, tmp_path / "artifacts")
    assert code == EXIT_RAW_EXTRACTS_BROKEN, (run / "job.log").read_text()[-5000:]
    assert "raw contract: raw_oltp.email_events has no column is_bot" in (run / "job.log").read_text()
    assert not (run / "3-retry").exists()
    assert engine.scalar("select count(*) from information_schema.tables where table_schema = 'analytics'") == 0


def test_dbt_that_cannot_run_exits_3(loaded_warehouse: Path, tmp_path: Path) -> None:
    engine = copy_of(loaded_warehouse, tmp_path)
    code, run = run_job(engine, tmp_path / "artifacts", env={"DBT_TARGET": "no_such_target"})
    assert code == EXIT_DBT_ERROR
    assert "no_such_target" in (run / "job.log").read_text()
