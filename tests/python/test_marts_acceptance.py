"""The marts equal, column by column, what an independent implementation of the warehouse's rules computed
for the worked sample in tests/fixtures/acceptance_sample (raw extracts full of bad input), on both engines."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import duckdb
import pytest

from conftest import PROJECT_DIR, run_cli
from outreach_warehouse.warehouse import MARTS, DbtProject, Engine, normalise_value


def expected_rows(sample: Path, mart: str) -> tuple[list[str], list[tuple[object, ...]]]:
    with duckdb.connect() as connection:
        connection.execute("set TimeZone = 'UTC'")
        relation = connection.execute(f"select * from read_parquet('{sample / 'expected' / f'{mart}.parquet'}')")
        columns = [description[0] for description in relation.description]
        rows = relation.fetchall()
    normalised = [tuple(normalise_value(value, name) for value, name in zip(row, columns)) for row in rows]
    return columns, sorted(normalised, key=repr)


def build_sample(engine: Engine, dbt_project: DbtProject, sample: Path) -> None:
    run_cli("load-parquet", "--target", engine.kind, "--dir", str(sample / "raw_oltp"), env=engine.env)
    dbt_project.run(engine, "build")


def assert_marts_match_expected(engine: Engine, sample: Path) -> None:
    for mart in MARTS:
        columns, expected = expected_rows(sample, mart)
        assert engine.columns("analytics", mart)[: len(columns)] == columns, mart
        actual = engine.mart_rows(mart)
        missing = sorted(set(expected) - set(actual), key=repr)[:3]
        extra = sorted(set(actual) - set(expected), key=repr)[:3]
        assert actual == expected, f"{mart}: {len(actual)} rows vs {len(expected)} expected; missing {missing}; extra {extra}"


@pytest.fixture(scope="module")
def duckdb_sample(acceptance_sample: Path, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """The sample loaded into DuckDB and built once for this module."""
    workdir = tmp_path_factory.mktemp("duckdb-sample")
    engine = Engine.duckdb(workdir / "warehouse.duckdb")
    build_sample(engine, DbtProject(PROJECT_DIR, workdir / "dbt-artifacts"), acceptance_sample)
    return engine


@pytest.fixture(scope="module")
def postgres_sample(
    acceptance_sample: Path, postgres_server: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """The sample loaded into a Postgres database and built once for this module."""
    workdir = tmp_path_factory.mktemp("postgres-sample")
    engine = Engine.postgres(postgres_server, database="acceptance_sample")
    engine.drop_database()
    engine.create_database()
    try:
        build_sample(engine, DbtProject(PROJECT_DIR, workdir / "dbt-artifacts"), acceptance_sample)
        yield engine
    finally:
        engine.drop_database()


def test_duckdb_marts_equal_the_independent_implementation(duckdb_sample: Engine, acceptance_sample: Path) -> None:
    assert_marts_match_expected(duckdb_sample, acceptance_sample)


@pytest.mark.postgres
def test_postgres_marts_equal_the_independent_implementation(
    postgres_sample: Engine, acceptance_sample: Path
) -> None:
    assert_marts_match_expected(postgres_sample, acceptance_sample)


@pytest.mark.postgres
def test_postgres_access_follows_the_security_rules(postgres_sample: Engine) -> None:
    """Access rules (docs: rules_access): reporting reads the marts, compliance alone reads the audit log,
    and a tenant reader sees only its own tenant's rows, in billing_analytics and through billing_id in the
    other marts."""
    tenant = postgres_sample.scalar("select min(tenant_id) from analytics.billing_analytics")
    as_tenant = f"set role tenant_reader; set app.tenant_id = '{tenant}';"
    assert postgres_sample.scalar(f"{as_tenant} select count(distinct tenant_id) from analytics.billing_analytics") == 1
    own_campaign_rows = postgres_sample.scalar(
        "select count(*) from analytics.campaign_analytics as c join analytics.billing_analytics as b "
        f"on c.billing_id = b.id where b.tenant_id = '{tenant}'"
    )
    all_campaign_rows = postgres_sample.scalar("select count(*) from analytics.campaign_analytics")
    assert 0 < own_campaign_rows < all_campaign_rows
    assert postgres_sample.scalar(f"{as_tenant} select count(*) from analytics.campaign_analytics") == own_campaign_rows
    assert postgres_sample.scalar("set role reporting; select count(*) from analytics.campaign_analytics") == (
        all_campaign_rows
    )
    audit_rows = postgres_sample.scalar("select count(*) from analytics.admin_audit_log")
    assert postgres_sample.scalar("set role compliance; select count(*) from analytics.admin_audit_log") == audit_rows
    for role in ("reporting", "tenant_reader"):
        with pytest.raises(Exception, match="permission denied"):
            postgres_sample.scalar(f"set role {role}; select count(*) from analytics.admin_audit_log")


def test_conservation_matches_the_sample_balance(duckdb_sample: Engine, acceptance_sample: Path) -> None:
    """Raw rows = counted + quarantined + duplicates, with the same split the sample reports."""
    duckdb_engine = duckdb_sample
    with duckdb.connect() as connection:
        balance = {
            row[0]: row[1:]
            for row in connection.execute(
                f"select * from read_csv('{acceptance_sample / 'expected' / 'conservation.csv'}')"
            ).fetchall()
        }
    messages_raw = duckdb_engine.scalar("select count(*) from raw_oltp.email_messages")
    messages_counted = duckdb_engine.scalar("select count(*) from intermediate.int_message_outcomes")
    messages_quarantined = duckdb_engine.scalar(
        "select count(*) from intermediate.int_quarantine where source_table = 'email_messages' and not is_row_kept"
    )
    events_raw = duckdb_engine.scalar("select count(*) from raw_oltp.email_events")
    events_counted = duckdb_engine.scalar(
        "select count(*) from intermediate.int_events_classified where quarantine_reason is null"
    )
    events_quarantined = duckdb_engine.scalar(
        "select count(*) from intermediate.int_quarantine where source_table = 'email_events' and not is_row_kept"
    )
    assert (messages_raw, messages_counted, messages_quarantined) == tuple(balance["email_messages"][:3])
    assert (events_raw, events_counted, events_quarantined) == tuple(balance["email_events"][:3])
    assert events_raw - events_counted - events_quarantined == balance["email_events"][3]
