"""The warehouse on Apache Spark (the `spark` target: local mode, parquet tables partitioned by billing period):
a daily run after a base build equals a full refresh, a period emptied by the day loses its rows, and the marts
equal DuckDB's and Postgres' on the same raw data, row for row, ids included.

A dbt invocation on Spark starts a JVM (about 20 s), so the module builds as little as it can: the raw extracts are
written once into a DuckDB file (the generator and the changes of the day), exported as parquet and loaded into
Spark with `load-parquet`. Spark builds twice (base, then the day), without data and unit tests (the acceptance
sample builds with them, in test_marts_acceptance.py). The day's result is compared with DuckDB and Postgres built
from scratch on the same raw data, which stand for a full refresh: the acceptance sample holds all three engines to
the same independent rows. Builds without data tests are never published: the marts are compared in the build
schema, analytics_build, on every engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from conftest import run_cli
from outreach_warehouse.raw_schema import RAW_TABLES
from test_incremental import empty_busiest_past_period
from outreach_warehouse.warehouse import BUILD_SCHEMA, MARTS, DbtProject, Engine

MESSAGES = "8000"
SEED = "31"
WITHOUT_TESTS = ("--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")
# a whole period quarantined on purpose passes the share at which the quarantine test turns to error
SHARE = {"quarantine_error_share": 0.5}

pytestmark = pytest.mark.spark


def export_raw(raw: Engine, directory: Path) -> Path:
    """The 13 raw tables of a DuckDB warehouse as `<table>.parquet` files, as load-parquet reads them."""
    directory.mkdir(parents=True)
    with duckdb.connect(raw.env["DBT_DUCKDB_PATH"], read_only=True) as connection:
        connection.execute("set TimeZone = 'UTC'")
        for table in RAW_TABLES:
            connection.execute(f"copy raw_oltp.{table} to '{directory / f'{table}.parquet'}' (format parquet)")
    return directory


def by_name(engine: Engine, schema: str, table: str) -> list[str]:
    """A table's columns in name order: Spark lists a partition column last, the other engines where it was made."""
    return sorted(engine.columns(schema, table))


def mart_rows(engine: Engine, mart: str) -> list[tuple[Any, ...]]:
    return engine.mart_rows(mart, schema=BUILD_SCHEMA, order=by_name(engine, BUILD_SCHEMA, mart))


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every mart's rows in the build schema, by column name."""
    rows = {mart: mart_rows(engine, mart) for mart in MARTS}
    assert all(rows.values()), "a mart is empty: equality would prove nothing"
    return rows


@pytest.fixture(scope="module")
def spark_day(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A Spark warehouse built on the base extract, then incrementally on a day that also empties one past billing
    period (every message of it re-extracted with a type outside the vocabulary); the raw data of the day is in a
    DuckDB file beside it, for the other engines."""
    workdir = tmp_path_factory.mktemp("spark")
    raw = Engine.duckdb(workdir / "raw.duckdb")
    spark = Engine.spark(workdir / "spark-warehouse")
    project = DbtProject(Path(__file__).resolve().parents[2], workdir / "dbt-artifacts")

    run_cli("load", "--target", "duckdb", "--messages", MESSAGES, "--seed", SEED, env=raw.env)
    run_cli("load-parquet", "--target", "spark", "--dir", str(export_raw(raw, workdir / "base")), env=spark.env)
    project.run(spark, "build", *WITHOUT_TESTS, vars=SHARE)

    run_cli("load", "--target", "duckdb", "--messages", MESSAGES, "--seed", SEED, "--increment-day", "1", env=raw.env)
    billing_id = empty_busiest_past_period(spark, raw)
    before = {
        table: spark.scalar(f"select count(*) from {table} where billing_id = {billing_id}")
        for table in ("intermediate.int_message_outcomes", "analytics_build.mailbox_analytics")
    }
    run_cli("load-parquet", "--target", "spark", "--dir", str(export_raw(raw, workdir / "day")), env=spark.env)
    project.run(spark, "build", *WITHOUT_TESTS, vars=SHARE)
    return {
        "raw": raw, "spark": spark, "project": project, "workdir": workdir, "billing_id": billing_id,
        "before": before, "incremental": snapshot(spark),
    }


def test_spark_a_day_rewrites_the_tables_and_empties_a_period(spark_day: dict[str, Any]) -> None:
    """On Spark a day touches most billing periods, so its tables are rewritten whole (no per-message state, no
    changed-message list); the emptied period lost its rows, kept only its zero-usage billing row."""
    spark, billing_id = spark_day["spark"], spark_day["billing_id"]
    assert all(count > 0 for count in spark_day["before"].values()), spark_day["before"]
    for table in ("intermediate.int_message_outcomes", "analytics_build.lead_analytics",
                  "analytics_build.sequence_step_analytics", "analytics_build.mailbox_analytics",
                  "analytics_build.warmup_analytics"):
        assert spark.scalar(f"select count(*) from {table} where billing_id = {billing_id}") == 0, table
    assert spark.scalar(
        f"select count(*) from analytics_build.campaign_analytics where billing_id = {billing_id} and sent > 0"
    ) == 0
    assert spark.query(
        "select emails_sent, mailboxes_used, campaigns_used, warmups_active "
        f"from analytics_build.billing_analytics where id = {billing_id}"
    ) == [(0, 0, 0, 0)]
    assert spark.scalar("select count(*) from intermediate.int_changed_messages") == 0
    # two completed runs in the insert-only run log: a start row and a completion row each
    assert spark.query(
        "select count(distinct invocation_id), count(*) from intermediate.warehouse_runs where completed_at is not null"
    ) == [(2, 2)]


def test_spark_after_its_day_equals_duckdb_built_from_scratch(spark_day: dict[str, Any]) -> None:
    """The same raw data (the base and the day) built from scratch on DuckDB gives, mart by mart, the rows Spark
    holds after its incremental day: every column, ids included (`updated` aside). DuckDB's full build stands for
    Spark's own full refresh, which the acceptance sample checks against the independent implementation."""
    raw, project = spark_day["raw"], spark_day["project"]
    project.run(raw, "build", *WITHOUT_TESTS, vars=SHARE)
    for mart in MARTS:
        assert mart_rows(raw, mart) == spark_day["incremental"][mart], f"{mart}: DuckDB and Spark differ"


@pytest.mark.postgres
def test_spark_after_its_day_equals_postgres_built_from_scratch(
    spark_day: dict[str, Any], postgres_engine: Engine
) -> None:
    """The third engine: Postgres built from scratch on the day's raw data equals Spark after its day."""
    project = spark_day["project"]
    run_cli("load-parquet", "--target", "postgres", "--dir", str(spark_day["workdir"] / "day"), env=postgres_engine.env)
    project.run(postgres_engine, "build", *WITHOUT_TESTS, vars=SHARE)
    for mart in MARTS:
        assert mart_rows(postgres_engine, mart) == spark_day["incremental"][mart], f"{mart}: Postgres and Spark differ"
