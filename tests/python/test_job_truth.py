"""The job tells the truth (issue 18): its exit code and summary follow what happened to the published marts, read
from the publication log (`intermediate.warehouse_audits`), not from dbt's exit code alone. dbt itself is replaced
by a stand-in that writes what a real invocation would have logged, so these run in a second."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Sequence

import duckdb
import pytest

from outreach_warehouse import job

AS_OF = ["--vars", json.dumps({"as_of": "2026-01-01 01:00:00+00:00"})]


def log_publication(database: Path, command: str, published: bool | None) -> None:
    """One invocation's row of the publication log, as prepare_publication and publish_marts write it (None: dbt
    died before recording an outcome)."""
    with duckdb.connect(str(database)) as connection:
        connection.execute("create schema if not exists intermediate")
        connection.execute(
            "create table if not exists intermediate.warehouse_audits (invocation_id varchar(64), command varchar(16), "
            "run_started_at timestamptz, is_complete boolean, is_passed boolean, published_at timestamptz)"
        )
        now = datetime.now(timezone.utc)
        connection.execute(
            "insert into intermediate.warehouse_audits values (?, ?, ?, ?, ?, ?)",
            [f"{command}-{now.isoformat()}", command, now, None if published is None else True,
             published, now if published else None],
        )


def fake_dbt(database: Path, build: Callable[[], int], retry: Callable[[], int]) -> Callable[..., job.StepResult]:
    """A stand-in for job._dbt: each step logs its command; the build and retry return what `build` and `retry` do."""
    def run(name: str, args: Sequence[str], project_dir: Path, target_path: Path, log: Path) -> job.StepResult:
        target_path.mkdir(parents=True, exist_ok=True)
        with log.open("a") as handle:
            handle.write(f"$ dbt {' '.join(args)}\n")
        if args[0] == "source":
            return job.StepResult(name, 0, 0.0, "", {"results": [{"unique_id": "source.outreach_warehouse.oltp.tenants", "status": "pass"}]})
        if args[0] in ("build", "retry"):
            code = build() if args[0] == "build" else retry()
            return job.StepResult(name, code, 0.0, "", {"results": []})
        return job.StepResult(name, 1, 0.0, "", None)  # docs generate: a failure there fails nothing
    return run


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    database = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("DBT_TARGET", "duckdb")
    monkeypatch.setenv("DBT_DUCKDB_PATH", str(database))
    log_publication(database, "build", True)  # an earlier job's publication: never this run's
    with duckdb.connect(str(database)) as connection:
        connection.execute("update intermediate.warehouse_audits set run_started_at = run_started_at - interval 1 day")
    return database


def run(tmp_path: Path) -> tuple[int, str]:
    code = job.run_job(tmp_path, tmp_path / "artifacts", extra_args=AS_OF)
    (run_dir,) = sorted((tmp_path / "artifacts").iterdir())
    return code, (run_dir / "job.log").read_text()


def test_dbt_that_dies_after_publishing_exits_0(warehouse: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    def build() -> int:
        log_publication(warehouse, "build", True)
        return 2  # dbt crashed in on-run-end, after the publication committed
    monkeypatch.setattr(job, "_dbt", fake_dbt(warehouse, build, lambda: pytest.fail("no retry after a publication")))
    code, log = run(tmp_path)
    assert code == job.EXIT_OK, log
    assert "built and published (dbt then exited 2)" in log


def test_a_build_and_retry_that_publish_nothing_exit_1_and_say_the_marts_were_kept(
        warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def failed() -> int:
        log_publication(warehouse, "build", False)
        return 1
    def killed() -> int:
        log_publication(warehouse, "retry", None)  # killed before its outcome: its transaction never committed
        return 1
    monkeypatch.setattr(job, "_dbt", fake_dbt(warehouse, failed, killed))
    code, log = run(tmp_path)
    assert code == job.EXIT_BUILD_FAILED, log
    assert "the published marts in analytics were left as they were" in log


def test_a_retry_that_publishes_exits_0(warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def failed() -> int:
        log_publication(warehouse, "build", False)
        return 1
    def published() -> int:
        log_publication(warehouse, "retry", True)
        return 0
    monkeypatch.setattr(job, "_dbt", fake_dbt(warehouse, failed, published))
    code, log = run(tmp_path)
    assert code == job.EXIT_OK, log
    assert "built and published on retry" in log


def test_a_build_whose_publication_cannot_be_read_is_unknown_not_ok(
        warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def build() -> int:
        with duckdb.connect(str(warehouse)) as connection:
            connection.execute("drop table intermediate.warehouse_audits")
        return 0
    monkeypatch.setattr(job, "_dbt", fake_dbt(warehouse, build, lambda: pytest.fail("no retry after exit 0")))
    code, log = run(tmp_path)
    assert code == job.EXIT_DBT_ERROR, log
    assert "dbt build exited 0 but the published marts were unknown" in log


def test_publication_outcome_counts_only_this_runs_invocations(warehouse: Path, tmp_path: Path) -> None:
    since = datetime.now(timezone.utc) - timedelta(seconds=1)
    assert job.published_marts_state("duckdb", tmp_path, since) == job.KEPT
    log_publication(warehouse, "build", True)
    assert job.published_marts_state("duckdb", tmp_path, since) == job.PUBLISHED
    assert job.published_marts_state("duckdb", tmp_path, since, {"DBT_DUCKDB_PATH": str(tmp_path / "none.duckdb")}) \
        == job.UNKNOWN


def test_artifacts_of_runs_older_than_keep_artifacts_days_are_removed(warehouse: Path, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Bounded growth: a run removes the artifacts of runs started more than --keep-artifacts-days ago (the newest
    three whatever their age, and nothing that is not a run's directory)."""
    artifacts = tmp_path / "artifacts"
    now = datetime.now(timezone.utc)
    names = [(now - timedelta(days=age)).strftime("%Y%m%dT%H%M%SZ") for age in (400, 30, 20, 15.5, 13, 1)]
    for name in [*names, f"{names[1]}-1"]:
        (artifacts / name / "2-build").mkdir(parents=True)
        (artifacts / name / "job.log").write_text("an earlier run\n")
    (artifacts / "notes").mkdir()
    monkeypatch.setattr(job, "_dbt", fake_dbt(warehouse, lambda: (log_publication(warehouse, "build", True), 0)[1],
                                              lambda: pytest.fail("no retry")))
    code = job.run_job(tmp_path, artifacts, extra_args=AS_OF, keep_artifacts_days=14)
    assert code == job.EXIT_OK
    left = sorted(path.name for path in artifacts.iterdir())
    this_run = [name for name in left if name not in names and name != "notes"]
    assert len(this_run) == 1
    assert left == sorted(["notes", names[4], names[5], *this_run])
    assert "removed those of 5 runs older than 14 days" in (artifacts / this_run[0] / "job.log").read_text()
    # the newest runs stay whatever their age
    assert job.prune_artifacts(artifacts, 0, job.JobLog(artifacts / this_run[0] / "job.log"),
                               now=now + timedelta(days=1000)) == []
