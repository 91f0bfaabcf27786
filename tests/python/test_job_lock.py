"""One job run at a time per warehouse (job.py, job_lock.py; docs/operations.md: Scheduled runs): two runs started together
on the same warehouse, on DuckDB and Postgres. One builds and exits 0, the other exits 5 at once without
touching anything, and the marts equal a clean full build; with `--wait` the second run waits for the lock
and then goes on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from conftest import PROJECT_DIR, run_cli
from outreach_warehouse.connections import PostgresSettings
from outreach_warehouse.job import EXIT_OK, EXIT_STALE_SOURCES, EXIT_WAREHOUSE_BUSY, read_artifact
from outreach_warehouse.job_lock import WarehouseBusy, duckdb_lock, postgres_lock, warehouse_lock
from outreach_warehouse.raw_schema import RAW_TABLES
from outreach_warehouse.warehouse import MARTS, DbtProject, Engine

WITHOUT_TESTS = ("--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")
BUSY = "another job run holds the warehouse"


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A warehouse with 3000 generated messages loaded and nothing built (its extracts stale for today)."""
    engine: Engine = request.getfixturevalue(f"{request.param}_engine")
    run_cli("load", "--target", engine.kind, "--messages", "3000", "--seed", "5", env=engine.env)
    yield engine


def job_env(engine: Engine) -> dict[str, str]:
    return {**os.environ, "DBT_PROFILES_DIR": str(PROJECT_DIR), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            **engine.env}


def start_job(engine: Engine, artifacts: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "outreach_warehouse", "job", "--artifacts-dir", str(artifacts), *args],
        cwd=PROJECT_DIR, env=job_env(engine), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def finished(job: subprocess.Popen[str], artifacts: Path) -> tuple[int, str, Path]:
    """The job's exit code, its stderr and its run directory (whose exit_code file agrees)."""
    _, stderr = job.communicate(timeout=900)
    (run,) = sorted(artifacts.iterdir())
    assert (run / "exit_code").read_text().strip() == str(job.returncode), stderr
    return job.returncode, stderr, run


def held_lock(engine: Engine):  # type: ignore[no-untyped-def]
    """The warehouse's job lock, as a running job holds it (taken here, in the test's process)."""
    if engine.kind == "duckdb":
        return duckdb_lock(Path(engine.env["DBT_DUCKDB_PATH"]))
    return postgres_lock(PostgresSettings.from_env({**os.environ, **engine.env}))


def make_fresh(engine: Engine) -> None:
    """Shift each table's extracts so that its latest one was taken an hour ago: every source passes freshness."""
    for table in RAW_TABLES:
        engine.execute(
            f"update raw_oltp.{table} set _extracted_at = _extracted_at "
            f"+ (now() - interval '1 hour' - (select max(_extracted_at) from raw_oltp.{table}))"
        )


def test_two_runs_started_together_build_once_and_the_second_exits_5(engine: Engine, tmp_path: Path) -> None:
    make_fresh(engine)
    jobs = [start_job(engine, tmp_path / f"artifacts-{index}") for index in (1, 2)]
    results = [finished(job, tmp_path / f"artifacts-{index}") for index, job in zip((1, 2), jobs)]
    codes = sorted(code for code, _, _ in results)
    assert codes == [EXIT_OK, EXIT_WAREHOUSE_BUSY], [stderr[-3000:] for _, stderr, _ in results]
    (_, winner_stderr, winner), = [result for result in results if result[0] == EXIT_OK]
    (_, loser_stderr, loser), = [result for result in results if result[0] == EXIT_WAREHOUSE_BUSY]
    # the second run said who holds the warehouse, and did nothing: no dbt step ran
    assert BUSY in loser_stderr and "outreach_warehouse job pid " in loser_stderr, loser_stderr
    assert not (loser / "1-freshness").exists() and not (loser / "target").exists()
    assert (winner / "2-build" / "run_results.json.gz").exists(), winner_stderr
    # the run log holds the winner's invocations only (its build, completed, and its other steps), none of the other
    steps = json.loads((winner / "summary.json").read_text())["steps"]
    winner_ids = {step["invocation_id"] for step in steps} | {
        read_artifact(winner / "manifest.json.gz")["metadata"]["invocation_id"]}
    (build_id,) = [step["invocation_id"] for step in steps if step["name"] == "build"]
    recorded = dict(engine.query("select invocation_id, completed_at is not null from intermediate.warehouse_runs"))
    assert recorded[build_id] and set(recorded) <= winner_ids, (recorded, winner_ids)
    built = {mart: engine.mart_rows(mart) for mart in MARTS}
    assert all(built.values())
    DbtProject(PROJECT_DIR, tmp_path / "clean").run(engine, "build", *WITHOUT_TESTS, "--full-refresh")
    assert {mart: engine.mart_rows(mart) for mart in MARTS} == built


def test_a_run_waits_for_the_lock_with_wait_then_goes_on(engine: Engine, tmp_path: Path) -> None:
    """While a run holds the lock, `--wait` waits (and says for whom); once it is released the run goes on (here
    to freshness, which fails on these stale extracts: exit 2). Without `--wait` it exits 5 at once."""
    with held_lock(engine):
        code, stderr, run = finished(start_job(engine, tmp_path / "at-once"), tmp_path / "at-once")
        assert code == EXIT_WAREHOUSE_BUSY and BUSY in stderr and f"pid {os.getpid()}" in stderr, stderr
        assert not (run / "1-freshness").exists()

        waiting = start_job(engine, tmp_path / "waiting", "--wait", "600")
        assert waiting.stderr is not None
        line = waiting.stderr.readline()  # the run's first line (its id, target, artifacts), then the wait
        line = waiting.stderr.readline() if "artifacts in" in line else line
        assert "waiting up to 600 s for the job lock" in line and f"pid {os.getpid()}" in line, line
        assert waiting.poll() is None
    code, stderr, run = finished(waiting, tmp_path / "waiting")
    assert code == EXIT_STALE_SOURCES, stderr
    assert (run / "1-freshness" / "sources.json.gz").exists()


def test_a_run_that_finds_the_lock_just_taken_waits_for_the_holder_to_say_who_it_is(tmp_path: Path) -> None:
    """The holder writes its label just after it takes the lock. A run that loses that race (as in the test of
    two runs started together) must still name the holder, not an anonymous "another process"."""
    database = tmp_path / "warehouse.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, os, sys, time\n"
         f"descriptor = os.open({str(database) + '.job.lock'!r}, os.O_RDWR | os.O_CREAT, 0o644)\n"
         "fcntl.lockf(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
         "print('locked', flush=True)\n"
         "time.sleep(0.5)\n"
         "os.pwrite(descriptor, b'outreach_warehouse job pid 4242 on elsewhere since now\\n', 0)\n"
         "sys.stdin.read()\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(WarehouseBusy, match="outreach_warehouse job pid 4242 on elsewhere"):
            with duckdb_lock(database):
                pass
    finally:
        holder.communicate("")


def test_a_symlinked_or_relative_path_to_the_warehouse_takes_the_same_lock(tmp_path: Path) -> None:
    """The DuckDB lock is keyed on the file's real path: a run given a symlink to the warehouse file (or a path
    relative to the project directory through another folder) finds the lock of a run given the file itself."""
    real_dir = tmp_path / "data"
    real_dir.mkdir()
    database = real_dir / "warehouse.duckdb"
    database.write_bytes(b"")
    linked_dir = tmp_path / "linked"
    linked_dir.symlink_to(real_dir, target_is_directory=True)
    (tmp_path / "alias.duckdb").symlink_to(database)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys\nfrom pathlib import Path\nfrom outreach_warehouse.job_lock import warehouse_lock\n"
         f"with warehouse_lock('duckdb', Path({str(tmp_path)!r}), environ={{'DBT_DUCKDB_PATH': {str(database)!r}}}):\n"
         "    print('locked', flush=True)\n"
         "    sys.stdin.read()\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        for path in (str(tmp_path / "alias.duckdb"), str(linked_dir / "warehouse.duckdb"), "linked/warehouse.duckdb"):
            with pytest.raises(WarehouseBusy):
                with warehouse_lock("duckdb", tmp_path, environ={"DBT_DUCKDB_PATH": path}):
                    pass
    finally:
        holder.communicate("")
    with warehouse_lock("duckdb", tmp_path, environ={"DBT_DUCKDB_PATH": str(tmp_path / "alias.duckdb")}):
        pass
