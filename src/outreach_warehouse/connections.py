"""Open the load targets, configured from the environment like `profiles.yml`: a DuckDB file or Postgres."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import duckdb

DEFAULT_RAW_SCHEMA = "raw_oltp"
CENSUS_SCHEMA = "loader_meta"


def raw_schema_name(environ: Mapping[str, str] | None = None) -> str:
    """The raw schema to write: env RAW_SCHEMA, default `raw_oltp`."""
    name = (os.environ if environ is None else environ).get("RAW_SCHEMA", DEFAULT_RAW_SCHEMA)
    if not name.replace("_", "").isalnum():
        raise ValueError(f"RAW_SCHEMA must be a plain identifier, not {name!r}")
    return name


def duckdb_path(environ: Mapping[str, str] | None = None) -> Path:
    """The DuckDB file: env DBT_DUCKDB_PATH, default `outreach.duckdb` (relative to the working directory)."""
    return Path((os.environ if environ is None else environ).get("DBT_DUCKDB_PATH", "outreach.duckdb"))


def open_duckdb(path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A connection to a DuckDB file (None: an in-memory database), with UTC as its time zone."""
    connection = duckdb.connect(str(path) if path is not None else ":memory:")
    connection.execute("set TimeZone = 'UTC'")
    return connection


@dataclass(frozen=True)
class PostgresSettings:
    """Where the Postgres target is (password from the environment only, never logged)."""

    host: str = "localhost"
    port: int = 5432
    user: str = "postgres"
    password: str = ""
    database: str = "outreach"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "PostgresSettings":
        env = os.environ if environ is None else environ
        return cls(
            host=env.get("DBT_POSTGRES_HOST", "localhost"),
            port=int(env.get("DBT_POSTGRES_PORT", "5432")),
            user=env.get("DBT_POSTGRES_USER", "postgres"),
            password=env.get("DBT_POSTGRES_PASSWORD", ""),
            database=env.get("DBT_POSTGRES_DATABASE", "outreach"),
        )

    def connect(self) -> Any:
        """A psycopg2 connection in UTC (the caller commits or rolls back, and closes it)."""
        import psycopg2

        return psycopg2.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=self.database,
            options="-c timezone=UTC",
        )


@dataclass(frozen=True)
class Target:
    """A load target: its kind, the raw schema, and how to reach it."""

    kind: str
    raw_schema: str
    duckdb_path: Path | None = None
    postgres: PostgresSettings | None = None

    @classmethod
    def from_env(cls, kind: str, environ: Mapping[str, str] | None = None) -> "Target":
        schema = raw_schema_name(environ)
        if kind == "duckdb":
            return cls("duckdb", schema, duckdb_path=duckdb_path(environ))
        if kind == "postgres":
            return cls("postgres", schema, postgres=PostgresSettings.from_env(environ))
        raise ValueError(f"unknown target {kind!r}: duckdb or postgres")
