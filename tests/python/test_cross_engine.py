"""The same raw data gives the same marts on DuckDB and on Postgres: every row, every column, ids included."""

from __future__ import annotations

import pytest

from conftest import run_cli
from outreach_warehouse.warehouse import MARTS, DbtProject, Engine


@pytest.mark.postgres
def test_every_mart_row_is_equal_across_engines(
    duckdb_engine: Engine, postgres_engine: Engine, dbt_project: DbtProject
) -> None:
    for engine in (duckdb_engine, postgres_engine):
        run_cli("load", "--target", engine.kind, "--messages", "40000", "--seed", "11", env=engine.env)
        dbt_project.run(engine, "build")
    for mart in MARTS:
        duckdb_rows = duckdb_engine.mart_rows(mart)
        postgres_rows = postgres_engine.mart_rows(mart)
        assert duckdb_rows, f"{mart} is empty: the comparison would prove nothing"
        assert duckdb_rows == postgres_rows, mart
