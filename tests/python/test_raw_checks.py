"""A broken extract stops the run before anything builds (docs: rules_sources_and_bad_input; docs/operations.md: When an
extract is broken): a missing raw schema or table, a missing or renamed column, a column of the wrong type,
a value its type cannot read, an empty table, or a table that shrank beyond `raw_shrink_error_share` since
the last completed run, on DuckDB and Postgres. Each case asserts the exit code, that the message names the
table (and column), and that the published marts and the run log are exactly as they were. Bad rows are not
a broken extract: an extract loaded twice, and every quarantine rule, change no mart beyond the rows set
aside, and conservation holds. The contract in the dbt project agrees with the loader's
(src/outreach_warehouse/raw_schema.py)."""

from __future__ import annotations

import subprocess
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import yaml

from conftest import PROJECT_DIR, run_cli
from outreach_warehouse.raw_schema import RAW_TABLES
from outreach_warehouse.warehouse import MARTS, DbtProject, Engine, normalise_value

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
    state = {mart: engine.table_rows("analytics", mart) for mart in MARTS}
    assert all(state.values()), "a mart is empty: equality would prove nothing"
    return {
        **state,
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


def first_row(table: str, assignment: str) -> Callable[[Engine], list[str]]:
    """A statement changing every raw version of the table's first entity (by id)."""
    return lambda engine: [f"update raw_oltp.{table} set {assignment} "
                           f"where id = (select min(id) from raw_oltp.{table})"]


CASES: dict[str, tuple[Callable[[Engine], list[str]], list[str]]] = {
    "missing_schema": (
        # absent (DuckDB cannot rename a schema) or renamed (Postgres)
        lambda engine: ["drop schema raw_oltp cascade" if engine.kind == "duckdb"
                        else "alter schema raw_oltp rename to raw_oltp_old"],
        ["raw contract: schema raw_oltp does not exist"],
    ),
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
    "unreadable_text_timestamp": (
        # the extract wrote the event time as text, and one value is no time at all
        lambda engine: ["alter table raw_oltp.email_events alter column occurred_at type varchar(64)",
                        *first_row("email_events", "occurred_at = 'yesterday, late'")(engine)],
        ["raw contract: raw_oltp.email_events.occurred_at is ", "cannot be read as the contract's timestamptz"],
    ),
    "infinite_timestamp": (
        first_row("tenants", "created = '-infinity'"),
        ["raw value: raw_oltp.tenants.created holds an infinite timestamp in "],
    ),
    "integer_out_of_range": (
        # the column arrives as bigint (Postgres cannot alter the type of a column a view reads: a new column)
        lambda engine: ["alter table raw_oltp.email_accounts rename column warmup_planned_days to planned_days_int",
                        "alter table raw_oltp.email_accounts add column warmup_planned_days bigint",
                        "update raw_oltp.email_accounts set warmup_planned_days = planned_days_int",
                        *first_row("email_accounts", "warmup_planned_days = 10000000000")(engine)],
        ["raw value: raw_oltp.email_accounts.warmup_planned_days holds a number outside the integer range in "],
    ),
    "extract_from_the_future": (
        # spec section 8: an _extracted_at later than the run's clock is a broken extract, never a new as-of
        first_row("companies", "_extracted_at = cast('9999-12-31 23:00:00+00' as timestamptz)"),
        ["raw value: raw_oltp.companies._extracted_at holds a time later than the run's clock in ",
         "plus extract_clock_tolerance_minutes, 60): a broken extract, never a new as-of"],
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


def test_the_clock_bounds_extracts_and_the_as_of(built: Built) -> None:
    """An extract more than extract_clock_tolerance_minutes ahead of the run's clock, and an `as_of` var beyond it
    (time travel goes back, never forward), stop the run before anything is written, naming the table and column,
    and the var. The published marts, the run log and the counts are untouched. (An extract within the tolerance
    is read: test_the_run_logs_forget_what_is_older_than_the_retention.)"""
    engine = built.copy()
    before = published_state(engine)
    engine.execute(
        "update raw_oltp.tenants set _extracted_at = "
        f"cast('{(datetime.now(timezone.utc) + timedelta(minutes=10)).isoformat()}' as timestamptz) "
        "where id = (select min(id) from raw_oltp.tenants)"
    )
    future = (datetime.now(timezone.utc) + timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S+00:00")
    stopped = built.project.run(engine, "build", vars={"extract_clock_tolerance_minutes": 5, "as_of": future},
                                check=False)
    assert stopped.returncode == EXIT_STOPPED, stopped.stdout[-3000:]
    assert "raw value: raw_oltp.tenants._extracted_at holds a time later than the run's clock in 1 row" in stopped.stdout
    assert "plus extract_clock_tolerance_minutes, 5)" in stopped.stdout
    assert f"raw value: the as_of var ({future}) is later than the run's clock " in stopped.stdout
    assert "START sql" not in stopped.stdout and " OK created" not in stopped.stdout
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


WITHOUT_UNIT_TESTS = ("--exclude-resource-type", "unit_test")
CONSERVATION_TESTS = ("assert_messages_conserved", "assert_events_conserved")


def conservation_statuses(project: DbtProject) -> dict[str, str]:
    """The status of each conservation test in the last invocation."""
    statuses = {result["unique_id"].split(".")[2]: result["status"] for result in project.run_results()["results"]}
    return {test: statuses.get(test, "not run") for test in CONSERVATION_TESTS}


def test_an_extract_loaded_twice_changes_no_mart(built: Built) -> None:
    """Every raw row twice (the same extract files loaded again): copies of an id keep one version, exact copies of
    a row without an id are kept once, duplicate events count once. The marts and the quarantine equal the single
    load's, on the incremental run that reads the copies and on a full refresh, and conservation holds."""
    engine = built.copy()
    marts = {mart: engine.mart_rows(mart) for mart in MARTS}
    quarantine = engine.table_rows("intermediate", "int_quarantine")
    raw_counts = {table: engine.scalar(f"select count(*) from raw_oltp.{table}") for table in RAW_TABLES}
    for table in RAW_TABLES:
        engine.execute(f"insert into raw_oltp.{table} select * from raw_oltp.{table}")
    assert {table: engine.scalar(f"select count(*) from raw_oltp.{table}") for table in RAW_TABLES} == {
        table: 2 * rows for table, rows in raw_counts.items()
    }
    assert engine.scalar("select count(*) - count(id) from raw_oltp.email_messages") > 0, (
        "no message without an id: the copies of such rows would prove nothing"
    )
    for refresh in ((), ("--full-refresh",)):
        result = built.project.run(engine, "build", *WITHOUT_UNIT_TESTS, *refresh, check=False)
        assert result.returncode == 0, result.stdout[-3000:]
        assert conservation_statuses(built.project) == {test: "pass" for test in CONSERVATION_TESTS}
        assert {mart: engine.mart_rows(mart) for mart in MARTS} == marts, refresh
        assert engine.table_rows("intermediate", "int_quarantine") == quarantine, refresh


def test_each_quarantine_rule_sets_its_rows_aside_and_nothing_is_lost(built: Built) -> None:
    """The quarantine rules that the acceptance sample does not exercise (it covers vocabularies, malformed audit
    JSON, future and early times, deleted tenants, unknown or quarantined messages of events), one counted row
    broken per rule: each lands in int_quarantine with its reason, exactly those messages leave the marts'
    counts, a malformed payload is flagged while its event still counts, and conservation holds."""
    engine = built.copy()
    counted_before = set(engine.query("select message_id, tenant_id from intermediate.int_message_outcomes"))
    # the tenant with the fewest counted messages loses its sign-up time; the rules' rows come from the others
    (tenant,) = engine.query(
        "select tenant_id from intermediate.int_message_outcomes group by tenant_id order by count(*), tenant_id limit 1"
    )[0]
    picked = [row[0] for row in engine.query(
        "select message_id from intermediate.int_message_outcomes "
        f"where message_type = 'campaign' and tenant_id <> '{tenant}' order by message_id limit 9"
    )]
    other_step = engine.scalar(
        "select min(steps.id) from raw_oltp.campaign_sequence_steps as steps "
        f"where steps.campaign_id not in (select campaign_id from raw_oltp.email_messages where id = '{picked[6]}')"
    )
    rules = {
        "unknown_message_type": "message_type = 'newsletter'",
        "unknown_tenant": "tenant_id = 'no-such-tenant'",
        "unknown_mailbox": "email_account_id = 'no-such-mailbox'",
        "missing_campaign": "campaign_id = 'no-such-campaign'",
        "missing_step": "step_id = null",
        "missing_lead": "lead_id = 'no-such-lead'",
        "step_of_another_campaign": f"step_id = '{other_step}'",
        "null_sent_at": "sent_at = null",
    }
    expected = dict(zip(picked, rules))
    null_id_rows = engine.scalar(
        f"select count(*) from (select distinct * from raw_oltp.email_messages where id = '{picked[8]}') as copies"
    )
    null_id_before = engine.scalar(
        "select count(*) from intermediate.int_quarantine where reason = 'null_message_id' "
        "and source_table = 'email_messages'"
    )
    events = [row[0] for row in engine.query(
        "select events.event_id from intermediate.int_events_classified as events "
        "where events.quarantine_reason is null and events.malformed_payload is null "
        f"and events.tenant_id <> '{tenant}' and events.message_id not in ({', '.join(repr(m) for m in picked)}) "
        "order by events.event_id limit 2"
    )]
    for message, rule in expected.items():
        engine.execute(f"update raw_oltp.email_messages set {rules[rule]} where id = '{message}'")
    engine.execute(f"update raw_oltp.email_messages set id = null where id = '{picked[8]}'")
    engine.execute(f"update raw_oltp.email_events set occurred_at = null where id = '{events[0]}'")
    engine.execute(f"update raw_oltp.email_events set payload = '{{\"truncated\": ' where id = '{events[1]}'")
    engine.execute(f"update raw_oltp.tenants set created = null where id = '{tenant}'")

    # rows changed in place (raw tables only ever grow): a full refresh reads them. The tenant's messages alone pass
    # the default 5 % share of excluded messages; this test is about conservation.
    result = built.project.run(engine, "build", *WITHOUT_UNIT_TESTS, "--full-refresh",
                               vars={"quarantine_error_share": 0.5}, check=False)
    assert result.returncode == 0, result.stdout[-3000:]
    assert conservation_statuses(built.project) == {test: "pass" for test in CONSERVATION_TESTS}
    reasons = dict(engine.query(
        "select source_id, reason from intermediate.int_quarantine where source_table = 'email_messages' "
        "and not is_row_kept and source_id is not null"
    ))
    for message, tenant_id in counted_before:
        if message in expected:
            assert reasons.get(message) == expected[message], message
        elif tenant_id == tenant:
            assert reasons.get(message) == "tenant_without_sign_up", message
    assert engine.scalar(
        "select count(*) from intermediate.int_quarantine where reason = 'null_message_id' "
        "and source_table = 'email_messages'"
    ) == null_id_before + null_id_rows
    event_reasons = {row[0]: row[1:] for row in engine.query(
        "select source_id, reason, is_row_kept from intermediate.int_quarantine where source_table = 'email_events'"
    )}
    assert event_reasons[events[0]] == ("null_occurred_at", False)
    assert event_reasons[events[1]] == ("malformed_payload", True)
    assert engine.scalar(
        f"select count(*) from intermediate.int_events_classified where event_id = '{events[1]}' "
        "and quarantine_reason is null"
    ) == 1
    # exactly the broken messages left the counts, and nothing else moved
    counted_after = set(engine.query("select message_id, tenant_id from intermediate.int_message_outcomes"))
    left = {message for message, tenant_id in counted_before - counted_after}
    assert counted_after <= counted_before
    assert left == set(picked) | {message for message, tenant_id in counted_before if tenant_id == tenant}
    assert engine.scalar(
        "select (select sum(sent) from analytics.campaign_analytics) + (select sum(sent) from analytics.warmup_analytics)"
    ) == len(counted_after)


def rows_of_other_tenants(engine: Engine, mart: str, tenant: str, billing_ids: list[int]) -> list[tuple[Any, ...]]:
    """A published mart's rows that belong to no period of `tenant` (normalised, sorted, without `updated`)."""
    columns = [column for column in engine.columns("analytics", mart) if column != "updated"]
    if "billing_id" in columns:
        where = f"billing_id not in ({', '.join(str(billing_id) for billing_id in billing_ids)})"
    elif "tenant_id" in columns and mart == "billing_analytics":
        where = f"tenant_id <> '{tenant}'"
    else:
        where = "true"
    rows = engine.query(f"select {', '.join(columns)} from analytics.{mart} where {where}")
    return sorted((tuple(normalise_value(v, c) for v, c in zip(row, columns)) for row in rows), key=repr)


def test_a_tenant_without_a_usable_billing_anchor_never_stops_the_others(built: Built) -> None:
    """Spec section 8: the largest tenant's sign-up moves to 0001-01-01 (a new version of its row, as an extract
    brings it). The daily (incremental) build passes with the default shares and publishes: the tenant's counted
    messages are quarantined as tenant_without_sign_up, it has no billing period (before: 1,201 invented ones, and
    counted messages in none, which stopped publication for all), and every other tenant's rows of every mart are
    exactly as they were. (A tenant without messages gets no periods either: unit test
    billing_periods_need_a_usable_anchor.)"""
    engine = built.copy()
    (tenant, counted) = engine.query(
        "select tenant_id, count(*) from intermediate.int_message_outcomes group by tenant_id "
        "order by count(*) desc, tenant_id limit 1"
    )[0]
    assert counted > 0.5 * engine.scalar("select count(*) from intermediate.int_message_outcomes")
    billing_ids = [row[0] for row in engine.query(
        f"select id from analytics.billing_analytics where tenant_id = '{tenant}'"
    )]
    assert billing_ids
    before = {mart: rows_of_other_tenants(engine, mart, tenant, billing_ids) for mart in MARTS}
    assert all(before.values())
    # extracted at the last run's as-of: the as-of (and every window) stays, and the incremental run sees the change
    latest = "(select max(as_of_at) from intermediate.warehouse_runs)"
    engine.execute(
        "insert into raw_oltp.tenants (id, name, created, updated, deleted, _extracted_at) "
        f"select id, name, cast('0001-01-01 00:00:00+00' as timestamptz), updated, deleted, {latest} "
        f"from raw_oltp.tenants where id = '{tenant}' order by _extracted_at desc limit 1"
    )
    result = built.project.run(engine, "build", *WITHOUT_UNIT_TESTS, check=False)
    assert result.returncode == 0, result.stdout[-3000:]
    assert conservation_statuses(built.project) == {test: "pass" for test in CONSERVATION_TESTS}
    assert engine.scalar(
        "select count(*) from analytics.billing_analytics where tenant_id in "
        f"('{tenant}')"
    ) == 0
    assert engine.scalar(
        f"select count(*) from intermediate.int_billing_periods where tenant_id = '{tenant}'"
    ) == 0
    assert engine.scalar(
        f"select count(*) from intermediate.int_message_outcomes where tenant_id = '{tenant}'"
    ) == 0
    assert engine.scalar(
        "select count(*) from intermediate.int_messages_classified "
        f"where tenant_id = '{tenant}' and quarantine_reason = 'tenant_without_sign_up'"
    ) >= counted
    after = {mart: rows_of_other_tenants(engine, mart, tenant, billing_ids) for mart in MARTS}
    assert after == before


def test_the_run_logs_forget_what_is_older_than_the_retention(built: Built) -> None:
    """Bounded growth: a run forgets the run-log, raw-count and publication-log rows older than
    run_log_retention_days (400), never the last completed run (the incremental baseline and its counts) nor the
    latest publication-log row, however old. The run also reads an extract 10 minutes ahead of its clock (within
    extract_clock_tolerance_minutes). (`dbt source freshness` writing no run-log row: test_job.py.)"""
    engine = built.copy()
    old = "now() - interval '800 days'"
    for table in ("warehouse_runs", "warehouse_audits"):
        engine.execute(f"update intermediate.{table} set run_started_at = run_started_at - interval '800 days'")
    engine.execute("insert into intermediate.warehouse_runs (invocation_id, run_started_at, as_of_at, completed_at) "
                   f"values ('ancient-run', {old} - interval '1 day', {old}, {old})")
    engine.execute("insert into intermediate.warehouse_raw_counts (invocation_id, table_name, row_count) "
                   "values ('ancient-run', 'tenants', 5)")
    (last_completed,) = engine.query("select invocation_id from intermediate.warehouse_runs "
                                     "where completed_at is not null order by run_started_at desc limit 1")[0]
    (latest_audit,) = engine.query("select invocation_id from intermediate.warehouse_audits "
                                   "order by run_started_at desc limit 1")[0]
    assert engine.scalar("select count(*) from intermediate.warehouse_runs") == 2  # the build and ancient-run
    assert engine.scalar("select count(*) from intermediate.warehouse_audits") > 1
    engine.execute(
        "update raw_oltp.tenants set _extracted_at = "
        f"cast('{(datetime.now(timezone.utc) + timedelta(minutes=10)).isoformat()}' as timestamptz) "
        "where id = (select min(id) from raw_oltp.tenants)"
    )
    result = built.project.run(engine, "run", "--select", "stg_oltp__tenants", check=False)
    assert result.returncode == 0, result.stdout[-3000:]
    runs = {row[0] for row in engine.query("select invocation_id from intermediate.warehouse_runs")}
    assert last_completed in runs and len(runs) == 2, runs
    counted = {row[0] for row in engine.query("select distinct invocation_id from intermediate.warehouse_raw_counts")}
    assert last_completed in counted and counted <= runs, counted
    audits = {row[0] for row in engine.query("select invocation_id from intermediate.warehouse_audits")}
    assert latest_audit in audits and len(audits) == 2, audits
