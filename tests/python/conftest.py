"""Shared fixtures: run real dbt commands against real DuckDB files and a real Postgres server."""

from __future__ import annotations

import os
import subprocess
import shutil
import sys
from pathlib import Path
from typing import Iterator

import pytest

from outreach_warehouse.warehouse import PARSE_CACHE_ENV, DbtProject, Engine, start_postgres, stop_postgres

PROJECT_DIR = Path(__file__).resolve().parents[2]
ACCEPTANCE_SAMPLE = PROJECT_DIR / "tests" / "fixtures" / "acceptance_sample"


# `make pytest` runs the suite on two pytest-xdist workers (`-n 2 --dist loadgroup --no-loadscope-reorder`).
# A module-scoped fixture builds one warehouse for several tests: those tests form one group, which runs on a
# single worker (one group per fixture and parameter, so the DuckDB and the Postgres build of a module, or the
# acceptance sample on DuckDB and Postgres, run side by side). The tests marked `spark` form one group of their
# own. Other tests are scheduled one by one. The groups start in the order below, the longest first, so that
# neither worker is left alone with a long build at the end.
LONGEST_FIRST = (
    "test_spark", "test_marts_acceptance", "test_raw_checks", "test_incremental", "test_publication",
    "test_job_lock", "test_metrics", "test_loader", "test_docs_site", "test_floor", "test_job",
)


def _shared_fixtures(item: pytest.Item) -> tuple[str, ...]:
    """The module-scoped fixtures an item uses, with their parameter: `built-duckdb`, `spark_sample` (no brackets in a
    group name: xdist finds the group after the last '@' only when no ']' follows it)."""
    info = getattr(item, "_fixtureinfo", None)
    params = getattr(getattr(item, "callspec", None), "params", {})
    shared = []
    for name in item.fixturenames:  # type: ignore[attr-defined]
        definitions = info.name2fixturedefs.get(name) if info is not None else None
        if definitions and definitions[-1].scope == "module":
            shared.append(f"{name}-{params[name]}" if name in params else name)
    return tuple(sorted(shared))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test that shares a module-scoped build with its group (xdist_group), and order the tests longest
    module first. A fixture that two different groups would use is refused: under xdist it would build twice, in
    two workers at once. It runs first (tryfirst): xdist's worker, registered after this conftest and so called
    before it, reads the marks to suffix each node id with its group, and would otherwise find none."""
    owner: dict[str, str] = {}
    for item in items:
        shared = _shared_fixtures(item)
        if not shared:
            continue
        module = item.module.__name__  # type: ignore[attr-defined]
        # every Spark build in one group: two JVMs at once on a two-core runner slow each other more than they gain
        group = "spark" if item.get_closest_marker("spark") else f"{module}:{'+'.join(shared)}"
        for fixture in shared:
            if owner.setdefault(f"{module}:{fixture}", group) != group:
                raise pytest.UsageError(
                    f"{item.nodeid}: module fixture {fixture} is shared by two groups ({owner[f'{module}:{fixture}']}, "
                    f"{group}); give its tests one set of module fixtures"
                )
        item.add_marker(pytest.mark.xdist_group(group))
    rank = {module: index for index, module in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.module.__name__, len(rank)))  # type: ignore[attr-defined]


def pytest_collection_finish(session: pytest.Session) -> None:
    """On an xdist worker with --dist loadgroup, every grouped test must carry its group in its node id, which is
    what the scheduler reads; if a pytest or xdist upgrade breaks that, the run stops here instead of building a
    module's shared warehouse on two workers at once."""
    if not getattr(session.config.option, "loadgroup", False):
        return
    for item in session.items:
        mark = item.get_closest_marker("xdist_group")
        if mark is not None and not item.nodeid.endswith(f"@{mark.args[0]}"):
            raise pytest.UsageError(f"{item.nodeid}: xdist did not apply its group {mark.args[0]!r}")


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


@pytest.fixture(scope="session", autouse=True)
def dbt_parse_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """dbt's parse state kept between the tests' artifact directories, one cache per worker (warehouse.py:
    PARSE_CACHE_ENV); dbt itself decides whether a state fits an invocation, and parses in full when not."""
    cache = tmp_path_factory.getbasetemp() / "dbt-parse-cache"
    previous = os.environ.get(PARSE_CACHE_ENV)
    os.environ[PARSE_CACHE_ENV] = str(cache)
    yield cache
    if previous is None:
        del os.environ[PARSE_CACHE_ENV]
    else:
        os.environ[PARSE_CACHE_ENV] = previous


@pytest.fixture
def duckdb_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A fresh DuckDB file for one test, at the same path for every test of a worker: dbt's connection settings
    (the file's path among them) are part of its parse state, which the tests then share (see pytest_configure)."""
    directory = tmp_path_factory.getbasetemp() / "duckdb-engine"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir()
    yield Engine.duckdb(directory / "warehouse.duckdb")
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def postgres_engine(postgres_server: dict[str, str], worker_id: str) -> Iterator[Engine]:
    """A fresh Postgres database for one test, dropped afterwards; the same name for every test of a worker (as
    for duckdb_engine: the database name is part of dbt's parse state)."""
    engine = Engine.postgres(postgres_server, database=f"t_engine_{worker_id}")
    engine.drop_database()
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
