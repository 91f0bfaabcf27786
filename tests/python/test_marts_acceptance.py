"""The marts equal, column by column, what an independent implementation of the spec computed for the
worked sample of ../shared (raw extracts full of the bad input of spec section 8), on both engines."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from conftest import run_cli
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


def test_duckdb_marts_equal_the_independent_implementation(
    duckdb_engine: Engine, dbt_project: DbtProject, acceptance_sample: Path
) -> None:
    build_sample(duckdb_engine, dbt_project, acceptance_sample)
    assert_marts_match_expected(duckdb_engine, acceptance_sample)


@pytest.mark.postgres
def test_postgres_marts_equal_the_independent_implementation(
    postgres_engine: Engine, dbt_project: DbtProject, acceptance_sample: Path
) -> None:
    build_sample(postgres_engine, dbt_project, acceptance_sample)
    assert_marts_match_expected(postgres_engine, acceptance_sample)


def test_conservation_matches_the_sample_balance(
    duckdb_engine: Engine, dbt_project: DbtProject, acceptance_sample: Path
) -> None:
    """Raw rows = counted + quarantined + duplicates, with the same split the sample reports."""
    build_sample(duckdb_engine, dbt_project, acceptance_sample)
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
