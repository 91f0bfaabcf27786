"""The test suite's warehouses and dbt project: an engine (a DuckDB file, a Postgres database, a Spark warehouse
directory) to load, query and build, and the dbt project run on it (its commands built by dbt_commands.py, as the
job's and the benchmark's are)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Mapping

from outreach_warehouse.dbt_commands import Dbt

MARTS: tuple[str, ...] = (
    "billing_analytics",
    "campaign_analytics",
    "mailbox_analytics",
    "lead_analytics",
    "warmup_analytics",
    "sequence_step_analytics",
    "admin_audit_log",
    "message_analytics",
)
# The marts the acceptance sample's independent implementation computed (tests/fixtures/acceptance_sample/expected)
# and the benchmark's floor computes: all but the message-grain fact, which is checked against their sums instead.
SAMPLE_MARTS: tuple[str, ...] = tuple(mart for mart in MARTS if mart != "message_analytics")
JSON_COLUMNS = frozenset({"old_values", "new_values", "metadata"})
# Readers query the published marts; the build writes and tests them in the build schema first (write, audit,
# publish: macros/publication/publication.sql), where the incremental marts also keep their state.
PUBLISHED_SCHEMA = "analytics"
BUILD_SCHEMA = "analytics_build"


def normalise_value(value: Any, column: str = "") -> Any:
    """One comparable form for a value read from DuckDB or Postgres (UTC instants, parsed JSON)."""
    if value is None:
        return None
    if column in JSON_COLUMNS:
        parsed = json.loads(value) if isinstance(value, str) else value
        return json.dumps(parsed, sort_keys=True)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


@dataclass(frozen=True)
class Engine:
    """One warehouse: a DuckDB file, a Postgres database or a Spark warehouse directory, with the env that points dbt
    and the CLI at it."""

    kind: str
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def duckdb(cls, path: Path) -> "Engine":
        return cls("duckdb", {"DBT_TARGET": "duckdb", "DBT_DUCKDB_PATH": str(path)})

    @classmethod
    def postgres(cls, server: dict[str, str], database: str) -> "Engine":
        env = {key: value for key, value in server.items()}
        env.update({"DBT_TARGET": "postgres", "DBT_POSTGRES_DATABASE": database, "PGTZ": "UTC"})
        return cls("postgres", env)

    @classmethod
    def spark(cls, warehouse_dir: Path) -> "Engine":
        """The `spark` target on its own warehouse directory (parquet tables and their Derby metastore)."""
        return cls("spark", {"DBT_TARGET": "spark", "DBT_SPARK_WAREHOUSE_DIR": str(warehouse_dir)})

    # --- connections -------------------------------------------------------------------------
    def _spark_tables(self) -> Any:
        """An in-memory DuckDB with one view per managed table of the Spark warehouse (`<schema>.db/<table>/`, parquet,
        partition directories read as columns, last as in Spark). Reading the files needs no JVM, and leaves the
        metastore, which admits one JVM at a time, to dbt. A table with no data file yet (an empty partitioned table)
        has no view."""
        import duckdb

        connection = duckdb.connect()
        connection.execute("set TimeZone = 'UTC'")
        for schema_dir in sorted(Path(self.env["DBT_SPARK_WAREHOUSE_DIR"]).glob("*.db")):
            schema = schema_dir.name[: -len(".db")]
            connection.execute(f'create schema if not exists "{schema}"')
            for table_dir in sorted(path for path in schema_dir.iterdir() if path.is_dir()):
                files = f"{table_dir}/**/*.parquet"
                if not any(table_dir.rglob("*.parquet")):
                    continue
                connection.execute(
                    f'create view "{schema}"."{table_dir.name}" as '
                    f"select * from read_parquet('{files}', hive_partitioning = true)"
                )
        return connection


    def _pg_connect(self, database: str | None = None) -> Any:
        import psycopg2

        return psycopg2.connect(
            host=self.env.get("DBT_POSTGRES_HOST", "localhost"),
            port=int(self.env.get("DBT_POSTGRES_PORT", "5432")),
            user=self.env.get("DBT_POSTGRES_USER", "postgres"),
            password=os.environ.get("DBT_POSTGRES_PASSWORD", ""),
            dbname=database or self.env["DBT_POSTGRES_DATABASE"],
            options="-c timezone=UTC",
        )

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Rows of a query, read-only."""
        if self.kind == "duckdb":
            import duckdb

            with duckdb.connect(self.env["DBT_DUCKDB_PATH"], read_only=True) as connection:
                connection.execute("set TimeZone = 'UTC'")
                return connection.execute(sql).fetchall()
        if self.kind == "spark":
            with self._spark_tables() as connection:
                return connection.execute(sql).fetchall()
        connection = self._pg_connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchall()
        finally:
            connection.close()

    def execute(self, sql: str) -> None:
        """Run one statement that writes (test set-ups that alter raw extracts), committed."""
        if self.kind == "duckdb":
            import duckdb

            with duckdb.connect(self.env["DBT_DUCKDB_PATH"]) as connection:
                connection.execute("set TimeZone = 'UTC'")
                connection.execute(sql)
            return
        if self.kind == "spark":
            raise NotImplementedError("writes to a Spark warehouse go through dbt or the loader")
        self._pg_autocommit(sql)

    def scalar(self, sql: str) -> Any:
        return self.query(sql)[0][0]

    def columns(self, schema: str, table: str) -> list[str]:
        rows = self.query(
            "select column_name from information_schema.columns "
            f"where table_schema = '{schema}' and table_name = '{table}' order by ordinal_position"
        )
        return [row[0] for row in rows]

    def mart_rows(
        self,
        mart: str,
        exclude: Iterable[str] = ("updated",),
        schema: str = PUBLISHED_SCHEMA,
        order: Iterable[str] | None = None,
    ) -> list[tuple[Any, ...]]:
        """Every row of a mart (the published one unless told the build schema), normalised and sorted, without
        the excluded columns; in the order of `order` when given (see table_rows)."""
        return self.table_rows(schema, mart, exclude, order)

    def table_rows(
        self, schema: str, table: str, exclude: Iterable[str] = (), order: Iterable[str] | None = None
    ) -> list[tuple[Any, ...]]:
        """Every row of a table, normalised and sorted, without the excluded columns; its values in the order of
        `order` (column names) when given, else the table's (Spark lists partition columns last)."""
        excluded = set(exclude)
        names = self.columns(schema, table) if order is None else list(order)
        columns = [name for name in names if name not in excluded]
        assert columns, f"{schema}.{table} has no columns: does it exist?"
        rows = self.query(f"select {', '.join(columns)} from {schema}.{table}")
        normalised = [tuple(normalise_value(value, name) for value, name in zip(row, columns)) for row in rows]
        return sorted(normalised, key=repr)

    # --- Postgres databases ------------------------------------------------------------------
    def create_database(self) -> None:
        self._admin(f'create database "{self.env["DBT_POSTGRES_DATABASE"]}"')

    def drop_database(self) -> None:
        self._admin(f'drop database if exists "{self.env["DBT_POSTGRES_DATABASE"]}" with (force)')

    def _admin(self, statement: str) -> None:
        self._pg_autocommit(statement, database="postgres")

    def _pg_autocommit(self, statement: str, database: str | None = None) -> None:
        connection = self._pg_connect(database=database)
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(statement)
        finally:
            connection.close()


# A directory where DbtProject keeps dbt's partial-parse state (`partial_parse.msgpack`) between artifact
# directories (the test suite sets it). dbt checks the state itself before using it (the project's files, the
# command-line vars, the target and its connection settings, dbt's version) and parses in full when any differs;
# the cache only saves the ten seconds of a full parse when a new artifacts directory meets a known setting.
PARSE_CACHE_ENV = "OUTREACH_DBT_PARSE_CACHE"


def _parse_state_key(project_dir: Path, env: Mapping[str, str], vars: dict[str, Any] | None) -> str:
    """What decides whether a parse state fits an invocation: the project, the target's settings, the vars."""
    settings = {key: value for key, value in env.items() if key.startswith("DBT_") or key == "PGTZ"}
    material = json.dumps([str(project_dir), sorted(settings.items()), vars or {}], sort_keys=True, default=str)
    return hashlib.sha256(material.encode()).hexdigest()[:24]


@dataclass(frozen=True)
class DbtProject:
    """The dbt project, run through its CLI with artifacts in a directory of the caller's choosing."""

    project_dir: Path
    artifacts_dir: Path

    def _parse_state(self, env: Mapping[str, str], vars: dict[str, Any] | None) -> tuple[Path, Path] | None:
        """(the artifacts' parse state, its copy in the cache) when a cache is set (see PARSE_CACHE_ENV)."""
        cache = os.environ.get(PARSE_CACHE_ENV)
        if not cache:
            return None
        key = _parse_state_key(self.project_dir, env, vars)
        return self.artifacts_dir / "target" / "partial_parse.msgpack", Path(cache) / f"{key}.msgpack"

    def dbt(self, engine: Engine, extra_env: dict[str, str] | None = None) -> Dbt:
        """dbt on `engine`, with this project's profiles and the artifacts in `artifacts_dir`."""
        return Dbt(self.project_dir, target_path=self.artifacts_dir / "target", log_path=self.artifacts_dir / "logs",
                   profiles_dir=self.project_dir, env={**engine.env, **(extra_env or {})})

    def run(
        self,
        engine: Engine,
        *args: str,
        vars: dict[str, Any] | None = None,
        check: bool = True,
        extra_env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        command = self.dbt(engine, extra_env).command(*args, vars=vars)
        state = self._parse_state(command.env, vars)
        if state is not None and not state[0].exists() and state[1].exists():
            state[0].parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(state[1], state[0])
        result = command.run(capture_output=True, text=True)
        if state is not None and state[0].exists():
            state[1].parent.mkdir(parents=True, exist_ok=True)
            partial = state[1].with_suffix(f".{os.getpid()}.tmp")
            shutil.copyfile(state[0], partial)
            partial.replace(state[1])
        if check and result.returncode != 0:
            raise AssertionError(f"dbt {' '.join(args)} failed ({result.returncode}):\n{result.stdout[-20000:]}\n{result.stderr[-5000:]}")
        return result

    def run_results(self) -> dict[str, Any]:
        return json.loads((self.artifacts_dir / "target" / "run_results.json").read_text())


def start_postgres(project_dir: Path) -> dict[str, str]:
    """Start (or reuse) the throwaway server of scripts/pg.sh; returns its connection settings."""
    output = subprocess.run(
        ["bash", str(project_dir / "scripts" / "pg.sh"), "start"], capture_output=True, text=True, check=True
    ).stdout
    settings: dict[str, str] = {}
    for line in output.splitlines():
        if line.startswith("export "):
            key, _, value = line[len("export "):].partition("=")
            settings[key] = value
    return settings


def stop_postgres(project_dir: Path) -> None:
    subprocess.run(["bash", str(project_dir / "scripts" / "pg.sh"), "stop"], check=False, capture_output=True)
