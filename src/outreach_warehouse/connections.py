"""Where raw extracts are written: a DuckDB file or a Postgres database, configured like profiles.yml."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from outreach_warehouse.raw_schema import RAW_TABLES

CENSUS_SCHEMA = "loader_meta"


@dataclass(frozen=True)
class RawTarget:
    """A raw schema to write to. DuckDB statements run on the caller's connection to the same file."""

    kind: str
    raw_schema: str
    duckdb_path: Path | None = None
    postgres: dict[str, Any] | None = None

    @classmethod
    def from_env(cls, kind: str) -> "RawTarget":
        raw_schema = os.environ.get("RAW_SCHEMA", "raw_oltp")
        if kind == "duckdb":
            return cls("duckdb", raw_schema, duckdb_path=Path(os.environ.get("DBT_DUCKDB_PATH", "outreach.duckdb")))
        if kind == "postgres":
            return cls(
                "postgres",
                raw_schema,
                postgres={
                    "host": os.environ.get("DBT_POSTGRES_HOST", "localhost"),
                    "port": int(os.environ.get("DBT_POSTGRES_PORT", "5432")),
                    "user": os.environ.get("DBT_POSTGRES_USER", "postgres"),
                    "password": os.environ.get("DBT_POSTGRES_PASSWORD", ""),
                    "dbname": os.environ.get("DBT_POSTGRES_DATABASE", "outreach"),
                },
            )
        raise ValueError(f"unknown target {kind!r}: duckdb or postgres")

    def _ddl(self) -> list[str]:
        statements = [f"drop schema if exists {self.raw_schema} cascade", f"create schema {self.raw_schema}"]
        for table, columns in RAW_TABLES.items():
            body = ", ".join(f"{name} {kind}" for name, kind in columns)
            statements.append(f"create table {self.raw_schema}.{table} ({body})")
        return statements

    def recreate_raw_tables(self, duckdb_connection: Any = None) -> None:
        """Drop and create the 13 raw tables with the exact contract of spec section 3."""
        self.execute(self._ddl(), duckdb_connection)

    def execute(self, statements: list[str], duckdb_connection: Any = None, rows: list[tuple[Any, ...]] | None = None) -> None:
        if self.kind == "duckdb":
            for statement in statements:
                duckdb_connection.execute(statement)
            return
        import psycopg2

        with psycopg2.connect(**(self.postgres or {})) as connection, connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
            if rows:
                cursor.executemany(
                    f"insert into {CENSUS_SCHEMA}.census values (%s, %s, %s)", rows
                )

    def copy_csv(self, table: str, csv_path: Path) -> None:
        """COPY a headerless CSV file into a raw table (Postgres)."""
        import psycopg2

        with psycopg2.connect(**(self.postgres or {})) as connection, connection.cursor() as cursor, csv_path.open() as handle:
            cursor.copy_expert(f"copy {self.raw_schema}.{table} from stdin (format csv)", handle)

    def record_census(self, counts: dict[str, int], extract_day: int, duckdb_connection: Any = None) -> None:
        """Keep the census beside the raw schema (never in it): loader_meta.census."""
        statements = [
            f"create schema if not exists {CENSUS_SCHEMA}",
            f"create table if not exists {CENSUS_SCHEMA}.census (case_name text, row_count bigint, extract_day integer)",
            f"delete from {CENSUS_SCHEMA}.census where extract_day >= {int(extract_day)}",
        ]
        rows = [(name, count, extract_day) for name, count in counts.items()]
        if self.kind == "duckdb":
            self.execute(statements, duckdb_connection)
            duckdb_connection.executemany(f"insert into {CENSUS_SCHEMA}.census values (?, ?, ?)", rows)
        else:
            self.execute(statements, rows=rows)
