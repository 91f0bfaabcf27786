"""The dbt command lines and environments that dbt_commands.py builds for the job, the benchmark and the tests
(no dbt runs here: what each caller hands to dbt)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from outreach_warehouse import benchmark, job
from outreach_warehouse.dbt_commands import NO_COLOURS, dbt_executable
from outreach_warehouse.warehouse import DbtProject, Engine

DBT = str(dbt_executable())


def test_the_jobs_steps_run_dbt_with_their_arguments_and_the_runs_target_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job leaves the profiles to dbt's own lookup (an operator's DBT_PROFILES_DIR holds) and writes job.log
    without colour codes."""
    monkeypatch.setenv("DBT_PROFILES_DIR", "/etc/operator-profiles")
    dbt = job._job_dbt(tmp_path, tmp_path / "target")
    build = dbt.command("build", "--selector", "daily", "--vars", '{"as_of": "x"}')
    assert build.argv == (DBT, "build", "--selector", "daily", "--vars", '{"as_of": "x"}',
                          "--target-path", str(tmp_path / "target"))
    assert build.cwd == tmp_path
    assert build.env["DBT_PROFILES_DIR"] == "/etc/operator-profiles"
    assert NO_COLOURS.items() <= build.env.items()
    as_of = dbt.command("run-operation", "print_as_of", "--target", "duckdb", quiet=True)
    assert as_of.argv == (DBT, "--quiet", "run-operation", "print_as_of", "--target", "duckdb",
                          "--target-path", str(tmp_path / "target"))


def test_a_benchmark_size_runs_dbt_on_its_own_file_and_artifacts(tmp_path: Path) -> None:
    dbt = benchmark.size_dbt(tmp_path / "dbt", tmp_path / "warehouse.duckdb")
    day = dbt.command("build", selector="daily")
    assert day.argv == (DBT, "build", "--selector", "daily", "--target-path", str(tmp_path / "dbt" / "target"),
                        "--log-path", str(tmp_path / "dbt" / "logs"))
    assert day.cwd == benchmark.PROJECT_DIR
    assert {"DBT_PROFILES_DIR": str(benchmark.PROJECT_DIR), "DBT_TARGET": "duckdb",
            "DBT_DUCKDB_PATH": str(tmp_path / "warehouse.duckdb"),
            "DBT_DUCKDB_MEMORY_LIMIT": benchmark.MEMORY_LIMIT, **NO_COLOURS}.items() <= day.env.items()
    spark = benchmark.size_dbt(tmp_path / "dbt", tmp_path / "unused.duckdb", {"DBT_TARGET": "spark"})
    assert spark.environ()["DBT_TARGET"] == "spark"


def test_the_tests_dbt_project_passes_vars_as_json_and_the_engines_settings(tmp_path: Path) -> None:
    project = DbtProject(tmp_path / "project", tmp_path / "artifacts")
    engine = Engine.duckdb(tmp_path / "warehouse.duckdb")
    command = project.dbt(engine, {"EXTRA": "1"}).command("build", vars={"as_of": "2026-01-01"})
    assert command.argv == (DBT, "build", "--target-path", str(tmp_path / "artifacts" / "target"),
                            "--log-path", str(tmp_path / "artifacts" / "logs"),
                            "--vars", json.dumps({"as_of": "2026-01-01"}))
    assert command.cwd == tmp_path / "project"
    assert {"DBT_PROFILES_DIR": str(tmp_path / "project"), "DBT_TARGET": "duckdb",
            "DBT_DUCKDB_PATH": str(tmp_path / "warehouse.duckdb"), "EXTRA": "1"}.items() <= command.env.items()
