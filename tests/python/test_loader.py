"""The demo/bench loader: the exact raw contract, deterministic for a seed, an honest census, and later
daily extracts that only ever append."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from conftest import run_cli
from outreach_warehouse.raw_schema import RAW_TABLES

MESSAGES = "20000"


def load(path: Path, *extra: str, seed: str = "3") -> dict[str, object]:
    result = run_cli("load", "--target", "duckdb", "--messages", MESSAGES, "--seed", seed, *extra,
                     env={"DBT_DUCKDB_PATH": str(path)})
    return json.loads(result.stdout)


def table_hashes(path: Path) -> dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as connection:
        return {
            table: connection.execute(
                f"select count(*), coalesce(sum(hash(columns(*))), 0) from raw_oltp.{table}"
            ).fetchone()
            for table in RAW_TABLES
        }


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    path = tmp_path_factory.mktemp("loader") / "raw.duckdb"
    return path, load(path)


def test_raw_schema_is_exactly_the_contract(base: tuple[Path, dict[str, object]]) -> None:
    path, _ = base
    with duckdb.connect(str(path), read_only=True) as connection:
        tables = {row[0] for row in connection.execute(
            "select table_name from information_schema.tables where table_schema = 'raw_oltp'").fetchall()}
        assert tables == set(RAW_TABLES)
        type_names = {"text": "VARCHAR", "timestamptz": "TIMESTAMP WITH TIME ZONE", "integer": "INTEGER",
                      "boolean": "BOOLEAN"}
        for table, columns in RAW_TABLES.items():
            actual = connection.execute(
                "select column_name, data_type from information_schema.columns "
                f"where table_schema = 'raw_oltp' and table_name = '{table}' order by ordinal_position").fetchall()
            assert actual == [(name, type_names[kind]) for name, kind in columns], table


def test_same_seed_same_data_other_seed_other_data(base: tuple[Path, dict[str, object]], tmp_path: Path) -> None:
    path, _ = base
    again = tmp_path / "again.duckdb"
    load(again)
    assert table_hashes(again) == table_hashes(path)
    other = tmp_path / "other.duckdb"
    load(other, seed="4")
    assert table_hashes(other)["email_messages"] != table_hashes(path)["email_messages"]


def test_census_counts_what_is_in_the_raw_tables(base: tuple[Path, dict[str, object]]) -> None:
    path, result = base
    census = result["census"]
    assert isinstance(census, dict)
    with duckdb.connect(str(path), read_only=True) as connection:
        def scalar(sql: str) -> int:
            return int(connection.execute(sql).fetchone()[0])

        checks = {
            "message_null_id": "select count(*) from raw_oltp.email_messages where id is null",
            "event_null_message_id": "select count(*) from raw_oltp.email_events where message_id is null",
            "event_duplicate_retry": "select count(id) - count(distinct id) from raw_oltp.email_events",
            "message_future_sent_at": "select count(*) from raw_oltp.email_messages where sent_at > '2090-01-01'",
            "event_future_occurred_at": "select count(*) from raw_oltp.email_events where occurred_at > '2090-01-01'",
            "message_unknown_type": "select count(*) from raw_oltp.email_messages "
                                    "where lower(trim(message_type)) not in ('campaign', 'warmup')",
            "event_unknown_type": "select count(*) from raw_oltp.email_events where lower(trim(event_type)) "
                                  "not in ('delivered', 'opened', 'clicked', 'replied', 'bounced', 'unsubscribed', "
                                  "'spam_complaint')",
            "event_malformed_payload": "select count(*) from raw_oltp.email_events where not json_valid(payload)",
            "message_unknown_tenant": "select count(*) from raw_oltp.email_messages as m where not exists "
                                      "(select 1 from raw_oltp.tenants as t where t.id = m.tenant_id)",
        }
        for case, sql in checks.items():
            assert census[case] > 0, f"the loader wrote no {case}"
            assert scalar(sql) == census[case], case
        stored = dict(connection.execute("select case_name, row_count from loader_meta.census").fetchall())
        assert stored == census


def test_increment_days_append_later_extracts(base: tuple[Path, dict[str, object]], tmp_path: Path) -> None:
    path = tmp_path / "increments.duckdb"
    load(path)
    before = table_hashes(path)
    with duckdb.connect(str(path), read_only=True) as connection:
        base_as_of = connection.execute("select max(_extracted_at) from raw_oltp.email_messages").fetchone()[0]
    result = load(path, "--increment-day", "1")
    assert result["rows"]["email_messages"] > 0 and result["rows"]["email_events"] > 0
    with duckdb.connect(str(path), read_only=True) as connection:
        for table in RAW_TABLES:
            kept = connection.execute(
                f"select count(*), coalesce(sum(hash(columns(*))), 0) from raw_oltp.{table} "
                f"where _extracted_at <= '{base_as_of}'").fetchone()
            assert kept == before[table], f"{table}: the increment rewrote the base extract"
        late_events = connection.execute(
            "select count(*) from raw_oltp.email_events as e join raw_oltp.email_messages as m on e.message_id = m.id "
            f"where e._extracted_at > '{base_as_of}' and m._extracted_at <= '{base_as_of}'").fetchone()[0]
        assert late_events > 0, "no late events for messages of the base extract"
        changed = connection.execute(
            f"select count(*) from raw_oltp.campaigns where _extracted_at > '{base_as_of}'").fetchone()[0]
        assert changed > 0, "no entity changed in the increment"


def test_parquet_round_trip(tmp_path: Path, acceptance_sample: Path) -> None:
    path = tmp_path / "sample.duckdb"
    written = json.loads(run_cli("load-parquet", "--target", "duckdb", "--dir", str(acceptance_sample / "raw_oltp"),
                                 env={"DBT_DUCKDB_PATH": str(path)}).stdout)
    with duckdb.connect(str(path), read_only=True) as connection:
        for table in RAW_TABLES:
            expected = connection.execute(
                f"select count(*) from read_parquet('{acceptance_sample / 'raw_oltp' / f'{table}.parquet'}')"
            ).fetchone()[0]
            assert written[table] == expected == connection.execute(f"select count(*) from raw_oltp.{table}").fetchone()[0]
