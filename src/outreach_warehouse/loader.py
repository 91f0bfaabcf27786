"""Write raw OLTP extracts (spec 3) into a target's raw schema: generated demo/bench data, or parquet files.

Generation runs in DuckDB SQL (`generate.sql`), vectorised and deterministic for a seed; Postgres is fed
with COPY from CSV files DuckDB writes.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import duckdb

from outreach_warehouse.connections import RawTarget
from outreach_warehouse.raw_schema import RAW_TABLES

GENERATOR_SQL = Path(__file__).with_name("generate.sql")
POLICY_CSV = Path(__file__).resolve().parents[2] / "seeds" / "audit_action_policy.csv"
DEFAULT_AS_OF = datetime(2026, 1, 1, 1, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class LoadSpec:
    """What to generate: the base extract, or one later daily extract (increment day)."""

    messages: int
    seed: int
    as_of: datetime = DEFAULT_AS_OF
    increment_day: int = 0

    @property
    def horizon(self) -> datetime:
        """The as-of of the extract being written."""
        return self.as_of + timedelta(days=self.increment_day)

    @property
    def window_start(self) -> datetime | None:
        """Rows extracted after this belong to this extract (None: everything up to the horizon)."""
        return None if self.increment_day == 0 else self.as_of + timedelta(days=self.increment_day - 1)


def _iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S+00")


def generate(connection: duckdb.DuckDBPyConnection, spec: LoadSpec) -> None:
    """Create the temp tables `<table>_out` (raw columns plus `_case`) in the connection."""
    sql = (
        GENERATOR_SQL.read_text()
        .replace("__SEED__", str(int(spec.seed)))
        .replace("__MESSAGES__", str(int(spec.messages)))
        .replace("__AS_OF__", _iso(spec.as_of))
        .replace("__HORIZON__", _iso(spec.horizon))
        .replace("__POLICY_CSV__", str(POLICY_CSV))
    )
    connection.execute("set TimeZone = 'UTC'")
    connection.execute(sql)


def _window_predicate(spec: LoadSpec) -> str:
    """Rows of this extract: extracted up to its as-of, and after the previous extract's."""
    upper = f"_extracted_at <= cast('{_iso(spec.horizon)}' as timestamptz)"
    if spec.window_start is None:
        return upper
    return f"{upper} and _extracted_at > cast('{_iso(spec.window_start)}' as timestamptz)"


def census(connection: duckdb.DuckDBPyConnection, spec: LoadSpec) -> dict[str, int]:
    """How many rows of each bad-input case this extract holds (spec 8), counted from the generated rows."""
    where = _window_predicate(spec)
    parts = [f"select _case from {table}_out where _case is not null and {where}" for table in RAW_TABLES]
    counts = dict(
        connection.execute(
            f"select _case, count(*) from ({' union all '.join(parts)}) group by _case order by _case"
        ).fetchall()
    )
    counts["event_malformed_payload"] = connection.execute(
        f"select count(*) from email_events_out where _malformed_payload and {where}"
    ).fetchone()[0]
    counts["entity_rows_in_several_versions"] = sum(
        connection.execute(
            f"select count(*) - count(distinct id) from {table}_out where id is not null and {where}"
        ).fetchone()[0]
        for table in ("tenants", "campaigns", "email_accounts")
    )
    return {name: int(count) for name, count in sorted(counts.items())}


def _select_raw(table: str, spec: LoadSpec) -> str:
    columns = ", ".join(f"cast({name} as {'varchar' if kind == 'text' else kind}) as {name}" for name, kind in RAW_TABLES[table])
    return f"select {columns} from {table}_out where {_window_predicate(spec)}"


def load_generated(target: RawTarget, spec: LoadSpec) -> dict[str, Any]:
    """Generate and write one extract; returns the census and row counts written."""
    with tempfile.TemporaryDirectory(prefix="outreach-load-") as scratch:
        if target.kind == "duckdb":
            connection = duckdb.connect(str(target.duckdb_path))
        else:
            connection = duckdb.connect(str(Path(scratch) / "generate.duckdb"))
        try:
            connection.execute("set preserve_insertion_order = false")
            generate(connection, spec)
            written = {table: int(connection.execute(f"select count(*) from ({_select_raw(table, spec)})").fetchone()[0])
                       for table in RAW_TABLES}
            if spec.increment_day == 0:
                target.recreate_raw_tables(connection)
            if target.kind == "duckdb":
                for table in RAW_TABLES:
                    connection.execute(f"insert into {target.raw_schema}.{table} {_select_raw(table, spec)}")
            else:
                for table in RAW_TABLES:
                    csv_path = Path(scratch) / f"{table}.csv"
                    connection.execute(f"copy ({_select_raw(table, spec)}) to '{csv_path}' (header false)")
                    target.copy_csv(table, csv_path)
            counts = census(connection, spec)
            target.record_census(counts, spec.increment_day, connection)
        finally:
            connection.close()
    return {"census": counts, "rows": written, "extract_as_of": _iso(spec.horizon)}


def load_parquet(target: RawTarget, directory: Path) -> dict[str, int]:
    """Load `<table>.parquet` files (the 13 raw tables) into the target's raw schema, cast to the contract."""
    missing = [table for table in RAW_TABLES if not (directory / f"{table}.parquet").exists()]
    if missing:
        raise FileNotFoundError(f"no parquet file for {', '.join(missing)} in {directory}")
    written: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="outreach-parquet-") as scratch:
        connection = duckdb.connect(str(target.duckdb_path)) if target.kind == "duckdb" else duckdb.connect()
        try:
            connection.execute("set TimeZone = 'UTC'")
            target.recreate_raw_tables(connection)
            for table, columns in RAW_TABLES.items():
                select = ", ".join(
                    f"cast({name} as {'varchar' if kind == 'text' else kind}) as {name}" for name, kind in columns
                )
                source = f"select {select} from read_parquet('{directory / f'{table}.parquet'}')"
                if target.kind == "duckdb":
                    connection.execute(f"insert into {target.raw_schema}.{table} {source}")
                else:
                    csv_path = Path(scratch) / f"{table}.csv"
                    connection.execute(f"copy ({source}) to '{csv_path}' (header false)")
                    target.copy_csv(table, csv_path)
                written[table] = int(connection.execute(f"select count(*) from ({source})").fetchone()[0])
        finally:
            connection.close()
    return written


def render_report(result: dict[str, Any]) -> str:
    return json.dumps(result, indent=2, sort_keys=True)
