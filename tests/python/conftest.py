"""Shared fixtures: run real dbt commands against real DuckDB files and a real Postgres server."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Iterator

import pytest

from outreach_warehouse.warehouse import DbtProject, Engine, start_postgres, stop_postgres

PROJECT_DIR = Path(__file__).resolve().parents[2]
ACCEPTANCE_SAMPLE = PROJECT_DIR / "tests" / "fixtures" / "acceptance_sample"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[dict[str, str]]:
    """Connection settings of a Postgres server: the one in the environment, or a throwaway one."""
    if os.environ.get("DBT_POSTGRES_PORT"):
        yield {key: value for key, value in os.environ.items() if key.startswith(("DBT_POSTGRES_", "PGTZ"))}
        return
    settings = start_postgres(PROJECT_DIR)
    try:
        yield settings
    finally:
        stop_postgres(PROJECT_DIR)


@pytest.fixture
def duckdb_engine(tmp_path: Path) -> Engine:
    """A fresh DuckDB file for one test."""
    return Engine.duckdb(tmp_path / "warehouse.duckdb")


@pytest.fixture
def postgres_engine(postgres_server: dict[str, str]) -> Iterator[Engine]:
    """A fresh Postgres database for one test, dropped afterwards."""
    engine = Engine.postgres(postgres_server, database=f"t_{uuid.uuid4().hex[:12]}")
    engine.create_database()
    try:
        yield engine
    finally:
        engine.drop_database()


@pytest.fixture
def dbt_project(tmp_path: Path) -> DbtProject:
    """The project, with its own target and log paths so that tests never share artifacts."""
    return DbtProject(PROJECT_DIR, tmp_path / "dbt-artifacts")


@pytest.fixture(scope="session")
def acceptance_sample() -> Path:
    """The worked sample in tests/fixtures: raw extracts and the marts an independent implementation computed."""
    if not (ACCEPTANCE_SAMPLE / "raw_oltp").is_dir():
        pytest.fail(f"the acceptance sample is missing at {ACCEPTANCE_SAMPLE}")
    return ACCEPTANCE_SAMPLE


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the project's own CLI (python -m outreach_warehouse ...) and fail loudly on error."""
    result = subprocess.run(
        [sys.executable, "-m", "outreach_warehouse", *args],
        cwd=PROJECT_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"outreach_warehouse {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result
