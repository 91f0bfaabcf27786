"""Write raw OLTP extracts (the 13 tables of the `oltp` source) into a target's raw schema: generated
data, or parquet files.

Generation runs in DuckDB (the `demo` package). A DuckDB target is written directly, in one transaction;
a Postgres target gets the rows generated in an in-memory DuckDB, streamed table by table with
`COPY ... FROM STDIN (FORMAT csv)`, also in one transaction. A Spark target gets them as parquet files written
by DuckDB, read by a local SparkSession into managed parquet tables of the `spark` target's warehouse (a table is
rewritten whole: Spark tables have no transactions, and an increment replaces a table by its old rows up to the
increment's window plus the new ones, through a table written beside it and renamed). The census of bad-input cases goes to
`loader_meta.census`, beside the raw schema and never in it.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import duckdb

from outreach_warehouse.connections import CENSUS_SCHEMA, Target, open_duckdb
from outreach_warehouse.demo import DEFAULT_AS_OF, LoadSpec, census, generate
from outreach_warehouse.raw_schema import RAW_TABLES

__all__ = ["DEFAULT_AS_OF", "LoadSpec", "LoadResult", "POLICY_CSV", "NotADemoWarehouse", "load_generated", "load_parquet",
           "start_fresh_demo"]

POLICY_CSV = Path(__file__).resolve().parents[2] / "seeds" / "audit_action_policy.csv"
_DUCKDB_TYPES = {"text": "varchar", "timestamptz": "timestamptz", "integer": "integer", "boolean": "boolean"}


@dataclass(frozen=True)
class LoadResult:
    """What one load wrote: rows per raw table and the census of bad-input cases."""

    extract_day: int
    extracted_at: str
    rows: dict[str, int]
    census: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return {"extract_day": self.extract_day, "extracted_at": self.extracted_at, "rows": self.rows,
                "census": self.census}


def raw_table_ddl(schema: str) -> list[str]:
    """`create table` statements of the 13 raw tables, exactly the contract (valid on both engines)."""
    return [
        f"create table {schema}.{table} ({', '.join(f'{name} {kind}' for name, kind in columns)})"
        for table, columns in RAW_TABLES.items()
    ]


def _recreate_statements(schema: str) -> list[str]:
    return [f"drop schema if exists {schema} cascade", f"create schema {schema}", *raw_table_ddl(schema)]


def _cast_columns(table: str) -> str:
    return ", ".join(f"cast({name} as {_DUCKDB_TYPES[kind]}) as {name}" for name, kind in RAW_TABLES[table])


def _column_names(table: str) -> str:
    return ", ".join(name for name, _ in RAW_TABLES[table])


def _window(spec: LoadSpec) -> str:
    """The rows of the extract being written, as a predicate template on `{alias}._extracted_at`."""
    upper = f"{{alias}}._extracted_at <= cast('{spec.horizon.isoformat()}' as timestamptz)"
    if spec.window_start is None:
        return upper
    return f"{{alias}}._extracted_at > cast('{spec.window_start.isoformat()}' as timestamptz) and {upper}"


def _extract_rows(table: str, spec: LoadSpec) -> str:
    """The raw columns of one table's rows in the extract window, cast to the contract."""
    return f"select {_cast_columns(table)} from {table}_out as o where {_window(spec).format(alias='o')}"


def _prepare_statements(target: Target, spec: LoadSpec, existing_tables: set[str]) -> list[str]:
    """A base load recreates the raw schema; an increment appends, replacing a re-run extract."""
    if spec.increment_day == 0:
        return _recreate_statements(target.raw_schema)
    missing = sorted(set(RAW_TABLES) - existing_tables)
    if missing:
        raise RuntimeError(
            f"no raw table {', '.join(missing)} in schema {target.raw_schema}: run a base load before increments"
        )
    assert spec.window_start is not None
    return [
        f"delete from {target.raw_schema}.{table} where _extracted_at > '{spec.window_start.isoformat()}'"
        for table in RAW_TABLES
    ]


def _census_statements(extract_day: int) -> list[str]:
    return [
        f"create schema if not exists {CENSUS_SCHEMA}",
        f"create table if not exists {CENSUS_SCHEMA}.census (case_name text, row_count bigint, extract_day integer)",
        f"delete from {CENSUS_SCHEMA}.census where extract_day >= {int(extract_day)}",
    ]


class NotADemoWarehouse(Exception):
    """`--fresh` was asked to remove a DuckDB file that this loader did not write."""


def start_fresh_demo(path: Path) -> str | None:
    """Remove the DuckDB file `path` (and its WAL) when it is a warehouse this loader wrote (it has schema
    `loader_meta`), so that a demo starts afresh: a smaller demo after a bigger one would otherwise stop at the raw
    volume check (fewer rows than at the last completed run). Returns what was done, or None when there was no file.
    Refuses (NotADemoWarehouse) a file without the loader's census, which may hold someone's real extracts."""
    if not path.exists():
        return None
    connection = duckdb.connect(str(path), read_only=True)
    try:
        is_demo = connection.execute(
            "select count(*) from information_schema.schemata where schema_name = ?", [CENSUS_SCHEMA]
        ).fetchone()[0] > 0
    finally:
        connection.close()
    if not is_demo:
        raise NotADemoWarehouse(
            f"{path} holds a warehouse the demo loader did not write (no schema {CENSUS_SCHEMA}); --fresh removes only "
            f"demo warehouses: point DBT_DUCKDB_PATH at another file, or remove this one yourself"
        )
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)
    return f"a fresh demo: removed the previous demo warehouse {path} (its raw data, builds and run history)"


def load_generated(
    target: Target, spec: LoadSpec, policy_csv: Path = POLICY_CSV, progress: Callable[[str], None] | None = None,
) -> LoadResult:
    """Generate one extract (the base history, or increment day K) and write it to the target; `progress`
    hears of each step."""
    writers: dict[str, Callable[[Target, LoadSpec, Path, Callable[[str], None] | None], LoadResult]] = {
        "duckdb": _load_generated_duckdb, "postgres": _load_generated_postgres, "spark": _load_generated_spark,
    }
    writer = writers[target.kind]
    return writer(target, spec, policy_csv, progress)


def _existing_tables(rows: list[tuple[Any, ...]]) -> set[str]:
    return {str(row[0]) for row in rows}


def _load_generated_duckdb(
    target: Target, spec: LoadSpec, policy_csv: Path, progress: Callable[[str], None] | None
) -> LoadResult:
    connection = open_duckdb(target.duckdb_path)
    try:
        connection.execute("set preserve_insertion_order = false")
        generate(connection, spec, policy_csv, progress)
        counts = census(connection, _window(spec))
        existing = _existing_tables(connection.execute(
            "select table_name from information_schema.tables where table_schema = ?", [target.raw_schema]
        ).fetchall())
        connection.execute("begin transaction")
        for statement in _prepare_statements(target, spec, existing) + _census_statements(spec.increment_day):
            connection.execute(statement)
        rows: dict[str, int] = {}
        for table in RAW_TABLES:
            if progress is not None:
                progress(f"writing {target.raw_schema}.{table}")
            inserted = connection.execute(
                f"insert into {target.raw_schema}.{table} {_extract_rows(table, spec)}"
            ).fetchone()
            rows[table] = int(inserted[0]) if inserted else 0
        connection.executemany(
            f"insert into {CENSUS_SCHEMA}.census values (?, ?, ?)",
            [(name, count, spec.increment_day) for name, count in counts.items()],
        )
        connection.execute("commit")
    finally:
        connection.close()
    return LoadResult(spec.increment_day, spec.horizon.isoformat(), rows, counts)


def _copy_into_postgres(cursor: Any, schema: str, table: str, csv_path: Path) -> int:
    with csv_path.open(encoding="utf-8", newline="") as handle:
        cursor.copy_expert(f"copy {schema}.{table} ({_column_names(table)}) from stdin (format csv)", handle)
    return int(cursor.rowcount)


def _export_csv(connection: duckdb.DuckDBPyConnection, query: str, csv_path: Path) -> None:
    connection.execute(f"copy ({query}) to '{csv_path}' (format csv, header false)")


def _load_generated_postgres(
    target: Target, spec: LoadSpec, policy_csv: Path, progress: Callable[[str], None] | None
) -> LoadResult:
    assert target.postgres is not None
    with tempfile.TemporaryDirectory(prefix="outreach-load-") as scratch:
        generator = open_duckdb(None)
        pg = target.postgres.connect()
        try:
            generator.execute(f"set temp_directory = '{Path(scratch) / 'spill'}'")
            generator.execute("set preserve_insertion_order = false")
            generate(generator, spec, policy_csv, progress)
            counts = census(generator, _window(spec))
            with pg.cursor() as cursor:
                cursor.execute(
                    "select table_name from information_schema.tables where table_schema = %s", [target.raw_schema]
                )
                for statement in _prepare_statements(target, spec, _existing_tables(cursor.fetchall())):
                    cursor.execute(statement)
                rows: dict[str, int] = {}
                for table in RAW_TABLES:
                    if progress is not None:
                        progress(f"writing {target.raw_schema}.{table}")
                    csv_path = Path(scratch) / f"{table}.csv"
                    _export_csv(generator, _extract_rows(table, spec), csv_path)
                    rows[table] = _copy_into_postgres(cursor, target.raw_schema, table, csv_path)
                    csv_path.unlink()
                for statement in _census_statements(spec.increment_day):
                    cursor.execute(statement)
                cursor.executemany(
                    f"insert into {CENSUS_SCHEMA}.census values (%s, %s, %s)",
                    [(name, count, spec.increment_day) for name, count in counts.items()],
                )
            pg.commit()
        finally:
            pg.close()
            generator.close()
    return LoadResult(spec.increment_day, spec.horizon.isoformat(), rows, counts)


_SPARK_TYPES = {"text": "string", "timestamptz": "timestamp", "integer": "int", "boolean": "boolean"}


def _spark_columns(table: str) -> str:
    return ", ".join(f"cast({name} as {_SPARK_TYPES[kind]}) as {name}" for name, kind in RAW_TABLES[table])


class _SparkWriter:
    """Tables written into the `spark` target's metastore from DuckDB queries, through parquet files in a scratch
    directory; the session is stopped (and the metastore released for dbt) when the writer closes."""

    def __init__(self, target: Target, scratch: Path) -> None:
        from outreach_warehouse.connections import open_spark

        assert target.spark_conf is not None
        self.scratch = scratch
        self.session = open_spark(target.spark_conf)

    def close(self) -> None:
        self.session.stop()

    def sql(self, statement: str) -> None:
        self.session.sql(statement).collect()

    def tables(self, schema: str) -> set[str]:
        if not self.session.catalog.databaseExists(schema):
            return set()
        return {str(row.tableName) for row in self.session.sql(f"show tables in {schema}").collect()}

    def write(self, source: duckdb.DuckDBPyConnection, query: str, table: str, columns: str,
              keep_where: str | None = None) -> int:
        """Replace `table` by the rows of the DuckDB `query` (cast by `columns`), plus its own rows matching
        `keep_where` when given; returns the number of rows written from the query."""
        parquet = self.scratch / f"{table.replace('.', '__')}.parquet"
        source.execute(f"copy ({query}) to '{parquet}' (format parquet)")
        self.session.read.parquet(str(parquet)).createOrReplaceTempView("loaded")
        written = int(self.session.sql("select count(*) from loaded").collect()[0][0])
        rows = f"select {columns} from loaded"
        if keep_where is None:
            self.sql(f"drop table if exists {table}")
            self.sql(f"create table {table} using parquet as {rows}")
        else:
            self.sql(f"drop table if exists {table}__next")
            self.sql(
                f"create table {table}__next using parquet as "
                f"select * from {table} where {keep_where} union all {rows}"
            )
            self.sql(f"drop table {table}")
            self.sql(f"alter table {table}__next rename to {table}")
        return written


def _load_generated_spark(
    target: Target, spec: LoadSpec, policy_csv: Path, progress: Callable[[str], None] | None
) -> LoadResult:
    with tempfile.TemporaryDirectory(prefix="outreach-load-") as scratch:
        generator = open_duckdb(None)
        try:
            generator.execute(f"set temp_directory = '{Path(scratch) / 'spill'}'")
            generator.execute("set preserve_insertion_order = false")
            generate(generator, spec, policy_csv, progress)
            counts = census(generator, _window(spec))
            spark = _SparkWriter(target, Path(scratch))
            try:
                existing = spark.tables(target.raw_schema)
                keep_where = None
                if spec.increment_day == 0:
                    spark.sql(f"drop schema if exists {target.raw_schema} cascade")
                    spark.sql(f"create schema {target.raw_schema}")
                else:
                    _prepare_statements(target, spec, existing)  # raises when the base load is missing
                    assert spec.window_start is not None
                    keep_where = f"_extracted_at <= cast('{spec.window_start.isoformat()}' as timestamp)"
                rows: dict[str, int] = {}
                for table in RAW_TABLES:
                    if progress is not None:
                        progress(f"writing {target.raw_schema}.{table}")
                    rows[table] = spark.write(
                        generator, _extract_rows(table, spec), f"{target.raw_schema}.{table}", _spark_columns(table),
                        keep_where=keep_where,
                    )
                spark.sql(f"create schema if not exists {CENSUS_SCHEMA}")
                generator.execute("create temp table census_rows (case_name varchar, row_count bigint, extract_day integer)")
                generator.executemany(
                    "insert into census_rows values (?, ?, ?)",
                    [(name, count, spec.increment_day) for name, count in counts.items()],
                )
                census_keep = None
                if "census" in spark.tables(CENSUS_SCHEMA):
                    census_keep = f"extract_day < {int(spec.increment_day)}"
                spark.write(generator, "select * from census_rows", f"{CENSUS_SCHEMA}.census",
                            "case_name, row_count, extract_day", keep_where=census_keep)
            finally:
                spark.close()
        finally:
            generator.close()
    return LoadResult(spec.increment_day, spec.horizon.isoformat(), rows, counts)


def _parquet_rows(directory: Path, table: str) -> str:
    return f"select {_cast_columns(table)} from read_parquet('{directory / f'{table}.parquet'}')"


def load_parquet(target: Target, directory: Path) -> dict[str, int]:
    """Load `<table>.parquet` files (the 13 raw tables) into the target's recreated raw schema, cast to
    the contract's types; columns are matched by name. A stale census of generated data is dropped."""
    missing = [table for table in RAW_TABLES if not (directory / f"{table}.parquet").is_file()]
    if missing:
        raise FileNotFoundError(f"no parquet file for {', '.join(missing)} in {directory}")
    statements = _recreate_statements(target.raw_schema) + [f"drop table if exists {CENSUS_SCHEMA}.census"]
    rows: dict[str, int] = {}
    if target.kind == "spark":
        with tempfile.TemporaryDirectory(prefix="outreach-parquet-") as scratch:
            reader = open_duckdb(None)
            spark = _SparkWriter(target, Path(scratch))
            try:
                spark.sql(f"drop schema if exists {target.raw_schema} cascade")
                spark.sql(f"create schema {target.raw_schema}")
                if "census" in spark.tables(CENSUS_SCHEMA):
                    spark.sql(f"drop table {CENSUS_SCHEMA}.census")
                for table in RAW_TABLES:
                    rows[table] = spark.write(
                        reader, _parquet_rows(directory, table), f"{target.raw_schema}.{table}", _spark_columns(table)
                    )
            finally:
                spark.close()
                reader.close()
        return rows
    if target.kind == "duckdb":
        connection = open_duckdb(target.duckdb_path)
        try:
            connection.execute("begin transaction")
            for statement in statements:
                connection.execute(statement)
            for table in RAW_TABLES:
                inserted = connection.execute(
                    f"insert into {target.raw_schema}.{table} {_parquet_rows(directory, table)}"
                ).fetchone()
                rows[table] = int(inserted[0]) if inserted else 0
            connection.execute("commit")
        finally:
            connection.close()
        return rows
    assert target.postgres is not None
    with tempfile.TemporaryDirectory(prefix="outreach-parquet-") as scratch:
        reader = open_duckdb(None)
        pg = target.postgres.connect()
        try:
            with pg.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
                for table in RAW_TABLES:
                    csv_path = Path(scratch) / f"{table}.csv"
                    _export_csv(reader, _parquet_rows(directory, table), csv_path)
                    rows[table] = _copy_into_postgres(cursor, target.raw_schema, table, csv_path)
                    csv_path.unlink()
            pg.commit()
        finally:
            pg.close()
            reader.close()
    return rows
