"""Open the load targets, configured from the environment like `profiles.yml`: a DuckDB file, Postgres, or a
local Spark session on the warehouse directory of the `spark` target."""

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
    spark_conf: dict[str, str] | None = None

    @classmethod
    def from_env(cls, kind: str, environ: Mapping[str, str] | None = None) -> "Target":
        schema = raw_schema_name(environ)
        if kind == "duckdb":
            return cls("duckdb", schema, duckdb_path=duckdb_path(environ))
        if kind == "postgres":
            return cls("postgres", schema, postgres=PostgresSettings.from_env(environ))
        if kind == "spark":
            return cls("spark", schema, spark_conf=spark_session_conf(environ))
        raise ValueError(f"unknown target {kind!r}: duckdb, postgres or spark")


PROFILES_YML = Path(__file__).resolve().parents[2] / "profiles.yml"


def spark_session_conf(environ: Mapping[str, str] | None = None, profiles: Path = PROFILES_YML) -> dict[str, str]:
    """The Spark settings of the `spark` target (its `server_side_parameters`), rendered from profiles.yml with the
    environment, so that the loader opens the same warehouse directory and metastore as dbt. ANSI mode is off, as
    dbt-spark sets it for its own sessions."""
    import jinja2
    import yaml

    env = os.environ if environ is None else environ

    def env_var(name: str, default: str | None = None) -> str:
        if name in env:
            return env[name]
        if default is None:
            raise KeyError(f"environment variable {name} is not set")
        return default

    renderer = jinja2.Environment()
    renderer.filters["as_number"] = lambda value: value
    rendered = renderer.from_string(profiles.read_text()).render(env_var=env_var)
    output = yaml.safe_load(rendered)["outreach_warehouse"]["outputs"]["spark"]
    conf = {str(key): str(value) for key, value in output["server_side_parameters"].items()}
    conf["spark.sql.ansi.enabled"] = "false"
    return conf


def open_spark(conf: Mapping[str, str]) -> Any:
    """A local SparkSession with Hive support on the `spark` target's warehouse and metastore. The Derby metastore
    admits one JVM at a time: stop the session (`session.stop()`) before dbt runs."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("outreach_warehouse loader").enableHiveSupport()
    for key, value in conf.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()
