"""The benchmark's floor (benchmarks/floor.sql, the marts in plain DuckDB SQL) computes what the dbt project
computes: on the worked sample in tests/fixtures it equals, column by column, the independent implementation's
marts. And the benchmark's report renders from a results dict without running anything."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import PROJECT_DIR
from outreach_warehouse import benchmark
from outreach_warehouse.raw_schema import RAW_TABLES
from outreach_warehouse.warehouse import SAMPLE_MARTS, normalise_value


def normalised_rows(relation: duckdb.DuckDBPyRelation) -> tuple[list[str], list[tuple[object, ...]]]:
    """Column names and rows in one comparable form (UTC instants, parsed JSON), sorted."""
    columns = list(relation.columns)
    rows = [tuple(normalise_value(value, name) for value, name in zip(row, columns)) for row in relation.fetchall()]
    return columns, sorted(rows, key=repr)


@pytest.fixture(scope="module")
def floor_database(acceptance_sample: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample's raw tables in a fresh DuckDB file, with the floor run over them."""
    path = tmp_path_factory.mktemp("floor") / "sample.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema raw_oltp")
        for table in RAW_TABLES:
            parquet = acceptance_sample / "raw_oltp" / f"{table}.parquet"
            connection.execute(f"create table raw_oltp.{table} as select * from read_parquet('{parquet}')")
        benchmark.run_floor(connection)
    return path


@pytest.mark.parametrize("mart", SAMPLE_MARTS)
def test_floor_equals_the_independent_implementation(floor_database: Path, acceptance_sample: Path, mart: str) -> None:
    with duckdb.connect(str(floor_database), read_only=True) as connection:
        connection.execute("set TimeZone = 'UTC'")
        expected_columns, expected = normalised_rows(
            connection.sql(f"select * from read_parquet('{acceptance_sample / 'expected' / f'{mart}.parquet'}')")
        )
        columns, actual = normalised_rows(connection.sql(f"select * from floor.{mart}"))
        types = dict(connection.execute(f"select column_name, column_type from (describe floor.{mart})").fetchall())
        expected_types = dict(
            connection.execute(
                "select column_name, column_type from "
                f"(describe select * from read_parquet('{acceptance_sample / 'expected' / f'{mart}.parquet'}'))"
            ).fetchall()
        )
    assert columns == expected_columns
    assert types == expected_types
    missing = sorted(set(expected) - set(actual), key=repr)[:3]
    extra = sorted(set(actual) - set(expected), key=repr)[:3]
    assert actual == expected, f"{mart}: {len(actual)} rows vs {len(expected)}; missing {missing}; extra {extra}"


def test_floor_script_reads_the_policy_seed() -> None:
    sql = benchmark.floor_sql()
    assert "{{" not in sql
    assert str(PROJECT_DIR / "seeds" / "audit_action_policy.csv") in sql


def sample_results() -> dict[str, object]:
    """Results of a two-size run, shaped like run_benchmark's, with made-up numbers."""

    def size(messages: int, scale: float) -> dict[str, object]:
        return {
            "messages": messages,
            "load_seconds": 10.0 * scale,
            "parse_seconds": 3.0,
            "build_seconds": 40.0 * scale,
            "build_busy_seconds": 40.0 * scale - 10.0,
            "build_peak_rss_bytes": int(1.5e9 * scale),
            "floor_seconds": 25.0 * scale,
            "floor_peak_rss_bytes": int(1e9 * scale),
            "run_seconds": 28.0 * scale,
            "increment_load_seconds": 2.0,
            "incremental_seconds": 3.0 * scale,
            "incremental_peak_rss_bytes": int(5e8 * scale),
            "raw_rows": {"email_messages": messages, "email_events": 2 * messages},
            "models": [
                {"name": "int_message_outcomes", "seconds": 12.0 * scale},
                {"name": "stg_oltp__email_events", "seconds": 8.0 * scale},
            ],
            "incremental_models": [{"name": "int_changed_messages", "seconds": 1.0 * scale}],
        }

    return {
        "machine": {
            "cpus": 2,
            "memory_bytes": 24 * 2**30,
            "cpu_model": "Test CPU",
            "python": "3.11.0",
            "duckdb": "1.0.0",
            "dbt": "1.11.0",
            "threads": 2,
            "memory_limit": "8GB",
            "seed": 42,
        },
        "sizes": [size(1_000_000, 1.0), size(10_000_000, 11.0)],
    }


def test_report_renders_numbers_ratios_and_verdicts() -> None:
    report = benchmark.render_report(sample_results())
    assert report.startswith("# Benchmarks")
    assert "Test CPU" in report
    assert "| 10,000,000 |" in report
    # full build / floor = 40 / 25 = 1.60x; incremental at 10M = 33 / 440 = 7.5 %
    assert "1.60x" in report
    assert "7.5%" in report
    assert "int_message_outcomes" in report
    assert "## Where the time goes" in report
    for target in ("full build <= 2x floor", "models alone (dbt run) <= 1.2x floor", "<= 10% of full build (at 10,000,000)",
                   "<= 25% of full build (at 1,000,000)", "per million", "peak memory <= 8 GB"):
        assert target in report
    # models alone 28 / 25 = 1.12x (passes 1.2x); incremental at 1M = 3 / 40 = 7.5 % (passes 25%)
    assert "= 1.12x | PASS |" in report
    # 440 s at 10M against 40 s at 1M: 44 vs 40 s per million, a growth of 1.10x, and 16.5 GB at 10M
    assert "= 1.10x | FAIL |" in report
    assert "| 16.50 GB | FAIL |" in report
    assert "No node was running for 10.0 s" in report


def test_report_of_one_size_says_what_it_cannot_judge() -> None:
    results = sample_results()
    results["sizes"] = results["sizes"][:1]  # type: ignore[index]
    report = benchmark.render_report(results)
    assert "not measured" in report


def test_timed_child_reports_its_peak_memory(tmp_path: Path) -> None:
    timed = benchmark.run_timed(
        [sys.executable, "-c", "block = bytearray(200_000_000); block[::4096] = b'x' * len(block[::4096])"],
        dict(os.environ), tmp_path / "child.log",
    )
    assert timed.returncode == 0
    assert 200_000_000 <= timed.peak_rss_bytes < 1_000_000_000
    assert timed.seconds > 0


def test_timed_child_counts_a_grandchild_it_never_waits_for(tmp_path: Path) -> None:
    """pyspark's JVM is such a grandchild: dbt ends without waiting for it, so os.wait4 never sees its memory."""
    grandchild = (
        "import time; block = bytearray(300_000_000); block[::4096] = b'x' * len(block[::4096]); "
        "print('ready', flush=True); time.sleep(3)"
    )
    # the child outlives the grandchild's allocation by 1.5 s whatever the load: a one-second sampler sees it
    child = (
        "import subprocess, sys, time; "
        f"grandchild = subprocess.Popen([sys.executable, '-c', {grandchild!r}], stdout=subprocess.PIPE); "
        "grandchild.stdout.readline(); time.sleep(1.5)"
    )
    timed = benchmark.run_timed([sys.executable, "-c", child], dict(os.environ), tmp_path / "child.log")
    assert timed.returncode == 0
    assert timed.peak_rss_bytes >= 300_000_000


def test_sizes_accept_plain_counts_and_suffixes() -> None:
    assert benchmark.parse_sizes("1000000,10M,200k,2_500") == [1_000_000, 10_000_000, 200_000, 2_500]


def test_a_timed_child_past_its_timeout_is_stopped_after_the_hook(tmp_path: Path) -> None:
    heard: list[str] = []
    timed = benchmark.run_timed([sys.executable, "-c", "import time; time.sleep(60)"], dict(os.environ),
                                tmp_path / "child.log", timeout=0.5, on_timeout=lambda: heard.append("hook"))
    assert timed.timed_out and timed.returncode != 0 and heard == ["hook"]


DBT_LOG = """\
\x1b[0m10:00:01  1 of 3 START sql table model intermediate.int_events_classified ............ [RUN]
10:00:01  2 of 3 START sql view model staging.stg_oltp__tenants ..................... [RUN]
10:00:02  2 of 3 OK created sql view model staging.stg_oltp__tenants ................ [CREATE VIEW in 0.41s]
10:00:03  3 of 3 START test unique_stg_oltp__tenants_id ............................. [RUN]
10:00:04  3 of 3 PASS unique_stg_oltp__tenants_id ................................... [PASS in 1.20s]
"""


def test_a_stopped_dbt_log_tells_what_ran_and_what_finished() -> None:
    from datetime import datetime, timezone

    running = benchmark.running_nodes(DBT_LOG, datetime(2026, 1, 2, 10, 6, 41, tzinfo=timezone.utc))
    assert running == [{"name": "intermediate.int_events_classified", "started": "10:00:01", "seconds": 400.0}]
    finished = benchmark.finished_nodes(DBT_LOG)
    assert [(node["name"], node["seconds"]) for node in finished] == [
        ("unique_stg_oltp__tenants_id", 1.2), ("stg_oltp__tenants", 0.41)]


def test_day_shares_read_what_the_models_have(tmp_path: Path) -> None:
    """Marts' rows whose `updated` is the day run's start, int_changed_messages when it exists; n/a otherwise."""
    import json
    from datetime import datetime, timezone

    from outreach_warehouse import day_shares

    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema analytics_build; create schema intermediate")
        connection.execute("create table analytics_build.billing_analytics as select * from (values "
                           "(1, timestamptz '2026-01-01 00:00:00+00'), (2, timestamptz '2026-01-02 00:00:05+00')) "
                           "as t(billing_id, updated)")
        connection.execute("create table analytics_build.admin_audit_log (id integer)")
        connection.execute("create table intermediate.int_changed_messages as select 'm1' as message_id")
    manifest = tmp_path / "manifest.json"
    nodes = {
        f"model.p.{name}": {"name": name, "resource_type": "model", "relation_name": relation,
                            "original_file_path": f"models/{folder}/{name}.sql"}
        for name, relation, folder in (
            ("billing_analytics", "analytics_build.billing_analytics", "marts"),
            ("admin_audit_log", "analytics_build.admin_audit_log", "marts"),
            ("sem_billing_analytics", "analytics.sem_billing_analytics", "marts/semantic"),
            ("int_changed_messages", "intermediate.int_changed_messages", "intermediate"),
        )
    }
    manifest.write_text(json.dumps({"nodes": nodes}))
    shares = day_shares.model_shares(benchmark.duckdb_query(path), manifest,
                                     datetime(2026, 1, 2, 0, 0, 0, tzinfo=timezone.utc), 4)
    assert shares["marts"] == {"admin_audit_log": None, "billing_analytics": {"rows": 2, "recomputed": 1}}
    assert shares["changed_messages"] == 1 and shares["changed_message_share"] == 0.25
    assert shares["periods_touched"] is None
    lines = day_shares.describe(None, shares)
    assert "billing_analytics 50.0% (1 of 2)" in lines[-1] and "admin_audit_log n/a" in lines[-1]


def test_report_has_a_postgres_section_with_a_day_that_did_not_finish() -> None:
    results = sample_results()
    results["postgres"] = [{  # type: ignore[index]
        "messages": 1_000_000, "load_seconds": 60.0, "build_seconds": 70.0, "increment_load_seconds": 5.0,
        "incremental_seconds": 900.0, "incremental_timed_out": True, "incremental_timeout_seconds": 900.0,
        "settings": {"work_mem": "4MB (default)"},
        "incremental_running_at_timeout": [{"name": "intermediate.int_events_classified", "seconds": 400.0}],
        "models": [{"name": "int_message_outcomes", "seconds": 12.0}], "incremental_models": [],
        "day_shares": {"raw": None, "models": None},
    }]
    report = benchmark.render_report(results)
    assert "## Postgres" in report and "did not finish in 900.0 s" in report and "work_mem 4MB (default)" in report
    assert "`intermediate.int_events_classified` had run 400.0 s" in report
