"""Write, audit, publish (docs: rules_time_and_runs; macros/publication/publication.sql): the marts are built and tested in
analytics_build, and the published marts readers query (analytics.<mart>) are replaced, all seven in one
transaction, only at the end of a build whose checks all passed. A build whose checks fail, on a full refresh or an
incremental run, leaves the published marts exactly as they were, and the next good build publishes what a full
refresh gives; on Postgres, readers querying every published mart while builds run never get an error, an empty
table or a mix of two builds, tenant logins included."""

from __future__ import annotations

import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterator

import pytest

from conftest import run_cli
from outreach_warehouse.warehouse import BUILD_SCHEMA, MARTS, PUBLISHED_SCHEMA, DbtProject, Engine

MESSAGES = "3000"
SEED = "11"
# dbt's exit code when a node or a test fails
EXIT_FAILED = 1
WITHOUT_TESTS = ("--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")
LATEST_EXTRACT = "(select max(_extracted_at) from raw_oltp.email_messages)"


def load(engine: Engine, *extra: str) -> None:
    run_cli("load", "--target", engine.kind, "--messages", MESSAGES, "--seed", SEED, *extra, env=engine.env)


def marts(engine: Engine, schema: str = PUBLISHED_SCHEMA, exclude: tuple[str, ...] = ()) -> dict[str, list[Any]]:
    """Every row of every mart in a schema, `updated` included unless excluded (a rewrite shows)."""
    rows = {mart: engine.mart_rows(mart, exclude=exclude, schema=schema) for mart in MARTS}
    assert all(rows.values()), f"a mart in {schema} is empty: the comparison would prove nothing"
    return rows


def build(project: DbtProject, engine: Engine, *args: str, vars: dict[str, Any] | None = None) -> tuple[int, str]:
    result = project.run(engine, "build", *args, vars=vars, check=False)
    return result.returncode, result.stdout + result.stderr


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> Engine:
    return request.getfixturevalue(f"{request.param}_engine")


def test_a_build_whose_checks_fail_leaves_the_published_marts_as_they_were(
    engine: Engine, dbt_project: DbtProject
) -> None:
    """The issue's case: an empty campaigns extract accepted past the volume check, built with --full-refresh: the
    quarantine share fails after the marts were rebuilt, and nothing readers see changes. Then an incremental run
    whose audit log mart breaks its contract (an admin event without a time): the same. Then the extract is fixed,
    and the job's `dbt retry` completes the build and publishes exactly what a full refresh gives."""
    load(engine)
    code, output = build(dbt_project, engine)
    assert code == 0, output[-3000:]
    published = marts(engine)
    assert published == marts(engine, BUILD_SCHEMA)
    published_data = marts(engine, exclude=("updated",))

    # 1. full refresh on an empty campaigns extract
    engine.execute("create schema kept")
    engine.execute("create table kept.campaigns as select * from raw_oltp.campaigns")
    engine.execute("delete from raw_oltp.campaigns")
    code, output = build(dbt_project, engine, "--full-refresh", vars={"accept_raw_shrink": ["campaigns"]})
    assert code == EXIT_FAILED, output[-3000:]
    assert "left as they are" in output and "quarantine_share_within_limit (fail)" in output, output[-3000:]
    assert marts(engine) == published
    rebuilt = engine.scalar(f"select count(*) from {BUILD_SCHEMA}.campaign_analytics where company_id is not null")
    assert rebuilt < len(published["campaign_analytics"]), "the failed build did not rewrite its build tables"

    # 2. the extract comes back with a new day, and an incremental run fails a mart's contract
    engine.execute("insert into raw_oltp.campaigns select * from kept.campaigns")
    load(engine, "--increment-day", "1")
    audit_id = engine.scalar("select min(id) from raw_oltp.admin_audit_events")
    columns = [row[0] for row in engine.query(
        "select column_name from information_schema.columns where table_schema = 'raw_oltp' "
        "and table_name = 'admin_audit_events' order by ordinal_position"
    )]
    timeless = {"id": "'audit-without-time'", "created": "null", "_extracted_at": LATEST_EXTRACT}
    engine.execute(
        f"insert into raw_oltp.admin_audit_events ({', '.join(columns)}) "
        f"select {', '.join(timeless.get(name, name) for name in columns)} from raw_oltp.admin_audit_events "
        f"where id = '{audit_id}' limit 1"
    )
    code, output = build(dbt_project, engine)
    assert code == EXIT_FAILED, output[-3000:]
    assert "left as they are" in output and "model.outreach_warehouse.admin_audit_log (error)" in output, output[-3000:]
    assert "creation_time" in output, output[-3000:]
    assert marts(engine) == published

    # 3. the extract is corrected in place (a version with the time, extracted at the same moment, wins) before the
    #    job's `dbt retry` (at the build's as-of): the retry completes the build and publishes it, and what it
    #    publishes is what a full refresh gives
    fixed = {**timeless, "created": "created"}
    engine.execute(
        f"insert into raw_oltp.admin_audit_events ({', '.join(columns)}) "
        f"select {', '.join(fixed.get(name, name) for name in columns)} from raw_oltp.admin_audit_events "
        f"where id = '{audit_id}' limit 1"
    )
    retried = dbt_project.run(engine, "retry")
    assert "Publishing the marts" in retried.stdout, retried.stdout[-3000:]
    good = marts(engine, exclude=("updated",))
    assert good != published_data, "the new day changed nothing: the publication would prove nothing"
    assert marts(engine) == marts(engine, BUILD_SCHEMA)
    dbt_project.run(engine, "build", *WITHOUT_TESTS, "--full-refresh")
    assert marts(engine, BUILD_SCHEMA, exclude=("updated",)) == good
    outcomes = engine.query(
        "select command, is_complete, is_passed, published_at is not null from intermediate.warehouse_audits "
        "order by run_started_at"
    )
    assert outcomes == [
        ("build", True, True, True), ("build", True, False, False), ("build", True, False, False),
        ("retry", True, True, True), ("build", False, True, False),
    ]


def test_a_build_that_is_not_a_whole_audited_build_does_not_publish(
    duckdb_engine: Engine, dbt_project: DbtProject
) -> None:
    """A build without data tests or a partial selection leaves the published marts as they are (their marts were
    not audited as a whole), though it rewrites the build tables."""
    engine = duckdb_engine
    load(engine)
    assert build(dbt_project, engine)[0] == 0
    published = marts(engine)
    load(engine, "--increment-day", "1")
    for args in (WITHOUT_TESTS, ("--select", "marts")):
        code, output = build(dbt_project, engine, *args)
        assert code == 0 and "left as they are: the selection is not a whole audited build" in output, output[-3000:]
        assert marts(engine) == published, args
    assert marts(engine, BUILD_SCHEMA, exclude=("updated",)) != marts(engine, exclude=("updated",)), (
        "the unaudited builds did not change the build tables"
    )


# --- readers under load (Postgres) --------------------------------------------------------------------------------


def signature_sql(tables: tuple[str, ...], where: dict[str, str] | None = None) -> list[str]:
    """One query per mart: its row count, the sum of its ids and its latest `updated`: a fingerprint of one build."""
    where = where or {}
    return [
        f"select count(*), sum(cast(id as numeric)), max({'creation_time' if table == 'admin_audit_log' else 'updated'}) "
        f"from {PUBLISHED_SCHEMA}.{table} "
        f"where {where.get(table, 'true')}"
        for table in tables
    ]


@dataclass
class Reader:
    """A connection that reads every mart it may read, each round in one repeatable-read transaction."""

    name: str
    connect: Any
    queries: list[str]
    snapshots: list[tuple[Any, ...]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        connection = self.connect()
        connection.set_session(isolation_level="REPEATABLE READ")
        try:
            while not self.stop.is_set():
                try:
                    with connection.cursor() as cursor:
                        snapshot = []
                        for query in self.queries:
                            cursor.execute(query)
                            snapshot.append(tuple(cursor.fetchone()))
                    connection.commit()
                    self.snapshots.append(tuple(snapshot))
                except Exception as error:  # every error is a finding: recorded, and the loop goes on
                    self.errors.append(f"{type(error).__name__}: {error}")
                    connection.rollback()
        finally:
            connection.close()

    def wait_for_more(self, seen: int) -> None:
        deadline = time.monotonic() + 120
        while len(self.snapshots) <= seen and not self.errors:
            assert time.monotonic() < deadline, f"{self.name} read nothing for two minutes"
            time.sleep(0.05)


def pg_connect(engine: Engine, user: str | None = None, password: str | None = None, role: str | None = None) -> Any:
    import psycopg2

    settings = engine.env
    connection = psycopg2.connect(
        host=settings.get("DBT_POSTGRES_HOST", "localhost"),
        port=int(settings.get("DBT_POSTGRES_PORT", "5432")),
        user=user or settings.get("DBT_POSTGRES_USER", "postgres"),
        password=password if password is not None else os.environ.get("DBT_POSTGRES_PASSWORD", ""),
        dbname=settings["DBT_POSTGRES_DATABASE"],
        options="-c timezone=UTC",
    )
    if role:
        with connection.cursor() as cursor:
            cursor.execute(f"set role {role}")
        connection.commit()
    return connection


@pytest.fixture
def tenant_login(postgres_engine: Engine) -> Iterator[tuple[str, str]]:
    """A tenant login with a password (docs/operations.md: Tenant logins): (login, password); mapped by the test."""
    login, password = f"load_tenant_{uuid.uuid4().hex[:8]}", "load-test-password"
    postgres_engine.execute(f"create role {login} login password '{password}'")
    try:
        yield login, password
    finally:
        postgres_engine.execute(f"drop role if exists {login}")


@pytest.mark.postgres
def test_readers_see_one_whole_build_while_full_and_incremental_builds_run(
    postgres_engine: Engine, dbt_project: DbtProject, tenant_login: tuple[str, str]
) -> None:
    """Three connections read the published marts in a loop, each round in one transaction: the owner (all seven), the
    reporting role (the six tenant marts) and a tenant login (its rows, through row-level security), while a full
    refresh and then an incremental build (a new day) run and publish. Every round of every reader equals one
    published build exactly (its rows counted, its ids summed, its latest `updated`), in build order, and no reader
    ever gets an error or an empty mart."""
    engine = postgres_engine
    load(engine)
    assert build(dbt_project, engine)[0] == 0
    login, password = tenant_login
    engine.execute(f"grant tenant_reader to {login}")
    tenant = engine.scalar(
        f"select tenant_id from {PUBLISHED_SCHEMA}.billing_analytics group by tenant_id order by count(*) desc limit 1"
    )
    engine.execute(f"insert into reference.tenant_logins (login, tenant_id) values ('{login}', '{tenant}')")
    tenant_marts = tuple(mart for mart in MARTS if mart != "admin_audit_log")
    billing = f"select id from {PUBLISHED_SCHEMA}.billing_analytics where tenant_id = '{tenant}'"
    tenant_rows = {mart: f"billing_id in ({billing})" for mart in tenant_marts}
    tenant_rows["billing_analytics"] = f"tenant_id = '{tenant}'"
    readers = [
        Reader("owner", lambda: pg_connect(engine), signature_sql(MARTS)),
        Reader("reporting", lambda: pg_connect(engine, role="reporting"), signature_sql(tenant_marts)),
        Reader("tenant login", lambda: pg_connect(engine, user=login, password=password), signature_sql(tenant_marts)),
    ]
    # what each reader must see of a published build, read by the owner between builds (nothing else writes)
    expected_of = {
        "owner": lambda: signature_sql(MARTS),
        "reporting": lambda: signature_sql(tenant_marts),
        "tenant login": lambda: signature_sql(tenant_marts, tenant_rows),
    }

    def published_state() -> dict[str, tuple[Any, ...]]:
        connection = pg_connect(engine)
        try:
            with connection.cursor() as cursor:
                state = {}
                for name, queries in expected_of.items():
                    rows = []
                    for query in queries():
                        cursor.execute(query)
                        rows.append(tuple(cursor.fetchone()))
                    state[name] = tuple(rows)
                return state
        finally:
            connection.close()

    states = [published_state()]
    threads = [threading.Thread(target=reader.run, daemon=True) for reader in readers]
    for thread in threads:
        thread.start()
    try:
        for step in ("full refresh", "incremental"):
            for reader in readers:
                reader.wait_for_more(len(reader.snapshots))
            if step == "incremental":
                load(engine, "--increment-day", "1")
            code, output = build(dbt_project, engine, *(("--full-refresh",) if step == "full refresh" else ()))
            assert code == 0, output[-3000:]
            assert "Publishing the marts" in output
            states.append(published_state())
        for reader in readers:
            reader.wait_for_more(len(reader.snapshots))
    finally:
        for reader in readers:
            reader.stop.set()
        for thread in threads:
            thread.join(timeout=60)

    assert len({state["owner"] for state in states}) == 3, "the builds did not change what is published"
    for reader in readers:
        assert reader.errors == [], (reader.name, reader.errors[:3])
        valid = [state[reader.name] for state in states]
        assert all(count > 0 for snapshot in reader.snapshots for count, _, _ in snapshot), reader.name
        seen = [valid.index(snapshot) if snapshot in valid else -1 for snapshot in reader.snapshots]
        assert -1 not in seen, (reader.name, "a round matched no published build: a mix or a half-written mart")
        assert seen == sorted(seen) and seen[0] == 0 and seen[-1] == len(states) - 1, (reader.name, seen[:3], seen[-3:])
    owner_rows = readers[0].snapshots
    tenant_counts = [snapshot[0][0] for snapshot in readers[2].snapshots]
    assert max(tenant_counts) < min(snapshot[0][0] for snapshot in owner_rows), "the tenant login saw other tenants"
