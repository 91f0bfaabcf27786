"""A broken extract stops the run before anything builds (docs: rules_sources_and_bad_input; README: When an
extract is broken): a missing raw table, a missing or renamed column, a column of the wrong type, an empty
table, or a table that shrank beyond `raw_shrink_error_share` since the last completed run, on DuckDB and
Postgres. Each case asserts the exit code, that the message names the table (and column), and that the
published marts and the run log are exactly as they were. The contract in the dbt project agrees with the
loader's (src/outreach_warehouse/raw_schema.py)."""

from __future__ import annotations

import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import yaml

from conftest import PROJECT_DIR, run_cli
from outreach_warehouse.raw_schema import RAW_TABLES
from outreach_warehouse.warehouse import DbtProject, Engine

SOURCES_YML = PROJECT_DIR / "models" / "staging" / "oltp" / "_oltp__sources.yml"
# dbt's exit code when an invocation stops on an error raised before any node runs (here, in on-run-start)
EXIT_STOPPED = 2


def test_the_dbt_contract_agrees_with_the_loaders() -> None:
    """The oltp source's tables, columns (in order) and data_type are exactly raw_schema.RAW_TABLES."""
    sources = yaml.safe_load(SOURCES_YML.read_text())["sources"]
    (oltp,) = [source for source in sources if source["name"] == "oltp"]
    contract = {
        table["name"]: tuple((column["name"], column.get("data_type")) for column in table["columns"])
        for table in oltp["tables"]
    }
    assert contract == RAW_TABLES


@dataclass(frozen=True)
class Built:
    """A warehouse built once from 3000 generated messages, and a fresh copy of it for each case. The copy is
    always at the same place (file or database name), so that dbt's partial parsing holds between cases."""

    project: DbtProject
    copy: Callable[[], Engine]
    seeded: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    workdir = tmp_path_factory.mktemp(f"raw-checks-{request.param}")
    project = DbtProject(PROJECT_DIR, workdir / "dbt-artifacts")
    # built where the cases run (the same profile, for partial parsing), then kept aside as their template
    if request.param == "duckdb":
        case = Engine.duckdb(workdir / "case.duckdb")
        template = workdir / "built.duckdb"

        def keep() -> None:
            template.write_bytes(Path(case.env["DBT_DUCKDB_PATH"]).read_bytes())

        def copy() -> Engine:
            Path(case.env["DBT_DUCKDB_PATH"]).write_bytes(template.read_bytes())
            return case
    else:
        server = request.getfixturevalue("postgres_server")
        name = f"t_{uuid.uuid4().hex[:12]}"
        case = Engine.postgres(server, database=f"{name}_case")
        case.create_database()

        def keep() -> None:
            case._admin(f'create database "{name}_built" template "{name}_case"')

        def copy() -> Engine:
            case.drop_database()
            case._admin(f'create database "{name}_case" template "{name}_built"')
            return case
    try:
        # before any extract has landed (no raw schema at all) there is nothing to check, and a seed runs
        seeded = project.run(case, "seed", check=False)
        run_cli("load", "--target", case.kind, "--messages", "3000", "--seed", "11", env=case.env)
        project.run(case, "build")
        keep()
        yield Built(project, copy, seeded)
    finally:
        if case.kind == "postgres":
            case.drop_database()
            case._admin(f'drop database if exists "{name}_built" with (force)')


def published_state(engine: Engine) -> dict[str, Any]:
    """The marts' rows (with their `updated`: a rewrite shows), the run log and the recorded raw counts."""
    return {
        "billing_analytics": engine.table_rows("analytics", "billing_analytics"),
        "campaign_analytics": engine.table_rows("analytics", "campaign_analytics"),
        "warehouse_runs": engine.table_rows("intermediate", "warehouse_runs"),
        "warehouse_raw_counts": engine.table_rows("intermediate", "warehouse_raw_counts"),
    }


def shrink(table: str, share: float) -> Callable[[Engine], list[str]]:
    """Statements deleting a share of a raw table's rows (the first ones by id)."""
    def statements(engine: Engine) -> list[str]:
        rows = int(engine.scalar(f"select count(*) from raw_oltp.{table}") * share) + 1
        return [f"delete from raw_oltp.{table} where id in "
                f"(select id from raw_oltp.{table} where id is not null order by id limit {rows})"]
    return statements


CASES: dict[str, tuple[Callable[[Engine], list[str]], list[str]]] = {
    "missing_table": (
        lambda engine: ["alter table raw_oltp.campaign_leads rename to campaign_leads_old"],
        ["raw contract: raw_oltp.campaign_leads does not exist"],
    ),
    "renamed_column": (
        lambda engine: ["alter table raw_oltp.email_events rename column bounce_type to bounce_kind"],
        ["raw contract: raw_oltp.email_events has no column bounce_type"],
    ),
    "wrong_type": (
        lambda engine: ["alter table raw_oltp.email_messages rename column sent_at to sent_at_old",
                        "alter table raw_oltp.email_messages add column sent_at varchar(64)"],
        ["raw contract: raw_oltp.email_messages.sent_at is ", "cannot be read as the contract's timestamptz"],
    ),
    "empty_table": (
        lambda engine: ["delete from raw_oltp.companies"],
        ["raw volume: raw_oltp.companies is empty (0 rows, ", "accept_raw_shrink: [companies]"],
    ),
    "shrunk_table": (
        shrink("email_events", 0.2),
        ["raw volume: raw_oltp.email_events has ", " at the last completed run", "raw_shrink_error_share (0.1)"],
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_a_broken_extract_stops_the_run_and_changes_nothing(built: Built, case: str) -> None:
    engine = built.copy()
    breaking, expected = CASES[case]
    before = published_state(engine)
    for statement in breaking(engine):
        engine.execute(statement)
    result = built.project.run(engine, "build", check=False)
    output = result.stdout + result.stderr
    assert result.returncode == EXIT_STOPPED, output[-3000:]
    for text in expected:
        assert text in output, (text, output[-3000:])
    assert "START sql" not in output and " OK created" not in output, output[-3000:]
    assert published_state(engine) == before


def test_an_operator_accepts_a_known_drop(built: Built) -> None:
    """accept_raw_shrink lets a named table's drop (or emptiness) through; a drop within the share needs nothing.
    The invocation's counts are recorded, and become the baseline once a run completes."""
    engine = built.copy()
    for statement in [*shrink("email_events", 0.2)(engine), *shrink("leads", 0.05)(engine)]:
        engine.execute(statement)
    events = engine.scalar("select count(*) from raw_oltp.email_events")
    accepted = built.project.run(engine, "run", "--select", "billing_analytics",
                                 vars={"accept_raw_shrink": ["email_events"]}, check=False)
    assert accepted.returncode == 0, accepted.stdout[-3000:]
    assert "raw_oltp.email_events has" in accepted.stdout and "accepted by accept_raw_shrink" in accepted.stdout
    recorded = engine.query(
        "select row_count from intermediate.warehouse_raw_counts as counts "
        "inner join intermediate.warehouse_runs as runs on counts.invocation_id = runs.invocation_id "
        "where counts.table_name = 'email_events' and runs.completed_at is null"
    )
    assert recorded == [(events,)]


def test_seed_runs_before_any_extract_has_landed(built: Built) -> None:
    """No raw schema at all: nothing to check, and `dbt seed` works (the checks apply to builds and tests)."""
    assert built.seeded.returncode == 0, built.seeded.stdout[-3000:]
    assert "raw contract" not in built.seeded.stdout
