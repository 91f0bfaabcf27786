"""The marts equal, column by column, what an independent implementation of the warehouse's rules computed
for the worked sample in tests/fixtures/acceptance_sample (raw extracts full of bad input), on every engine."""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any, Iterator

import duckdb
import pytest

from conftest import PROJECT_DIR, run_cli
from outreach_warehouse.warehouse import BUILD_SCHEMA, MARTS, SAMPLE_MARTS, DbtProject, Engine, normalise_value


def expected_rows(sample: Path, mart: str) -> tuple[list[str], list[tuple[object, ...]]]:
    with duckdb.connect() as connection:
        connection.execute("set TimeZone = 'UTC'")
        relation = connection.execute(f"select * from read_parquet('{sample / 'expected' / f'{mart}.parquet'}')")
        columns = [description[0] for description in relation.description]
        rows = relation.fetchall()
    normalised = [tuple(normalise_value(value, name) for value, name in zip(row, columns)) for row in rows]
    return columns, sorted(normalised, key=repr)


def build_sample(engine: Engine, dbt_project: DbtProject, sample: Path) -> None:
    run_cli("load-parquet", "--target", engine.kind, "--dir", str(sample / "raw_oltp"), env=engine.env)
    dbt_project.run(engine, "build")


def built_sample(kind: str, sample: Path, workdir: Path) -> Engine:
    """The sample loaded into a fresh DuckDB file or Spark warehouse under `workdir`, and built (dbt build)."""
    engine = Engine.duckdb(workdir / "warehouse.duckdb") if kind == "duckdb" else Engine.spark(workdir / "spark-warehouse")
    build_sample(engine, DbtProject(PROJECT_DIR, workdir / "dbt-artifacts"), sample)
    return engine


def assert_marts_match_expected(engine: Engine, sample: Path) -> None:
    """The published marts (in analytics) list the contract's columns in its order on every engine (on Spark the
    build tables partitioned by billing_id list it last, the published tables do not), and hold the expected rows;
    the message-grain fact adds up to them."""
    for mart in SAMPLE_MARTS:
        columns, expected = expected_rows(sample, mart)
        assert engine.columns("analytics", mart)[: len(columns)] == columns, mart
        actual = engine.mart_rows(mart, order=columns)
        missing = sorted(set(expected) - set(actual), key=repr)[:3]
        extra = sorted(set(actual) - set(expected), key=repr)[:3]
        assert actual == expected, f"{mart}: {len(actual)} rows vs {len(expected)} expected; missing {missing}; extra {extra}"
    assert_message_fact_adds_up_to_expected(engine, sample)


FUNNEL = ["sent", "delivered", "opened_tracked", "clicked_tracked", "replied", "bounced", "unsubscribed", "spam_complaints"]


def expected_funnels(sample: Path, mart: str, keys: list[str]) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """The independent implementation's funnel counters of a mart, by its key columns (rows that sent something)."""
    columns, rows = expected_rows(sample, mart)
    index = {name: position for position, name in enumerate(columns)}
    return {
        tuple(row[index[key]] for key in keys): tuple(row[index[counter]] for counter in FUNNEL)
        for row in rows if row[index["sent"]] > 0
    }


def assert_message_fact_adds_up_to_expected(engine: Engine, sample: Path) -> None:
    """message_analytics (one row per counted message, 0/1 flags) has no expected file of its own: its messages,
    summed per campaign, step, lead, mailbox and billing period, equal the independent implementation's counters of
    those marts, and each message is in a billing period of its own tenant with the period's start."""
    fact = "analytics.message_analytics"
    assert engine.query(f"select count(*), count(distinct message_id), min(sent), max(sent) from {fact}")[0][1:] == (
        engine.scalar(f"select count(*) from {fact}"), 1, 1
    ), "one row per message, each sent once"
    sums = ", ".join(f"sum({counter})" for counter in FUNNEL)
    for mart, message_type, keys in [
        ("campaign_analytics", "campaign", ["campaign_id", "billing_id"]),
        ("sequence_step_analytics", "campaign", ["step_id", "billing_id"]),
        ("lead_analytics", "campaign", ["lead_id", "campaign_id", "billing_id"]),
        ("mailbox_analytics", "campaign", ["mailbox_id", "billing_id"]),
        ("warmup_analytics", "warmup", ["mailbox_id", "billing_id"]),
    ]:
        rows = engine.query(
            f"select {', '.join(keys)}, {sums} from {fact} where message_type = '{message_type}' group by {', '.join(keys)}"
        )
        actual = {
            tuple(normalise_value(value, name) for value, name in zip(row, keys)): tuple(int(value) for value in row[len(keys):])
            for row in rows
        }
        assert actual == expected_funnels(sample, mart, keys), f"message_analytics summed by {keys} differs from {mart}"
    billing_columns, billing_rows = expected_rows(sample, "billing_analytics")
    periods = {
        row[billing_columns.index("id")]: (row[billing_columns.index("tenant_id")], row[billing_columns.index("period_start")])
        for row in billing_rows
    }
    names = ["billing_id", "tenant_id", "period_start"]
    for row in engine.query(f"select distinct {', '.join(names)} from {fact}"):
        billing_id, tenant_id, period_start = (normalise_value(value, name) for value, name in zip(row, names))
        assert periods[billing_id] == (tenant_id, period_start), row


@pytest.fixture(scope="module")
def duckdb_sample(acceptance_sample: Path, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """The sample loaded into DuckDB and built once for this module."""
    return built_sample("duckdb", acceptance_sample, tmp_path_factory.mktemp("duckdb-sample"))


@pytest.fixture(scope="module")
def postgres_sample(
    acceptance_sample: Path, postgres_server: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """The sample loaded into a Postgres database and built once for this module; with pg_stat_statements
    installed in it first where the server has it (the build closes its statistics to tenant logins)."""
    workdir = tmp_path_factory.mktemp("postgres-sample")
    engine = Engine.postgres(postgres_server, database="acceptance_sample")
    engine.drop_database()
    engine.create_database()
    try:
        if engine.scalar(
            "select count(*) from pg_available_extensions, pg_roles "
            "where name = 'pg_stat_statements' and rolname = current_user and rolsuper"
        ):
            engine.execute("create extension pg_stat_statements")
        build_sample(engine, DbtProject(PROJECT_DIR, workdir / "dbt-artifacts"), acceptance_sample)
        yield engine
    finally:
        engine.drop_database()


@pytest.fixture(scope="module")
def spark_sample(acceptance_sample: Path, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """The sample loaded into a local Spark warehouse and built once (seeds, models, data and unit tests)."""
    return built_sample("spark", acceptance_sample, tmp_path_factory.mktemp("spark-sample"))


@pytest.mark.spark
def test_spark_marts_equal_the_independent_implementation(spark_sample: Engine, acceptance_sample: Path) -> None:
    """The build published on Spark (insert overwrite, column by name) and its outcome logged insert-only: the
    invocation's start row, then a second row with the outcome."""
    assert_marts_match_expected(spark_sample, acceptance_sample)
    for mart in MARTS:
        names = sorted(spark_sample.columns(BUILD_SCHEMA, mart))
        assert spark_sample.mart_rows(mart, order=names) == spark_sample.mart_rows(mart, schema=BUILD_SCHEMA, order=names)
    assert spark_sample.query(
        "select command, is_complete, is_passed, published_at is not null from intermediate.warehouse_audits "
        "order by is_passed nulls first"
    ) == [("build", None, None, False), ("build", True, True, True)]


def test_duckdb_marts_equal_the_independent_implementation(duckdb_sample: Engine, acceptance_sample: Path) -> None:
    assert_marts_match_expected(duckdb_sample, acceptance_sample)


@pytest.mark.postgres
def test_postgres_marts_equal_the_independent_implementation(
    postgres_sample: Engine, acceptance_sample: Path
) -> None:
    assert_marts_match_expected(postgres_sample, acceptance_sample)


TENANT_MARTS = tuple(mart for mart in MARTS if mart != "admin_audit_log")
LOGIN_PASSWORD = "tenant-login-test-password"


@pytest.fixture
def tenant_logins(postgres_sample: Engine) -> Iterator[dict[str, str]]:
    """Two real Postgres logins with passwords, members of the tenant reader role, each mapped to one tenant in
    reference.tenant_logins as an operator maps them (docs/operations.md: Tenant logins): tenant id -> login."""
    tenants = [row[0] for row in postgres_sample.query(
        "select tenant_id from analytics.billing_analytics group by tenant_id order by count(*) desc, tenant_id limit 2"
    )]
    suffix = uuid.uuid4().hex[:8]
    logins = {tenant: f"tenant_login_{index}_{suffix}" for index, tenant in enumerate(tenants)}
    try:
        for tenant, login in logins.items():
            postgres_sample.execute(f"create role {login} login password '{LOGIN_PASSWORD}' in role tenant_reader")
            postgres_sample.execute(
                f"insert into reference.tenant_logins (login, tenant_id) values ('{login}', '{tenant}')"
            )
        yield logins
    finally:
        for login in logins.values():
            postgres_sample.execute(f"delete from reference.tenant_logins where login = '{login}'")
            postgres_sample.execute(f"drop role if exists {login}")


def connect_as(engine: Engine, login: str, password: str = LOGIN_PASSWORD) -> Any:
    """A connection of a tenant login, with its password, as an application of that tenant would open it."""
    import psycopg2

    connection = psycopg2.connect(
        host=engine.env.get("DBT_POSTGRES_HOST", "localhost"),
        port=int(engine.env.get("DBT_POSTGRES_PORT", "5432")),
        user=login,
        password=password,
        dbname=engine.env["DBT_POSTGRES_DATABASE"],
    )
    connection.autocommit = True
    return connection


def visible_ids(connection: Any, mart: str) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(f"select id from analytics.{mart}")
        return {row[0] for row in cursor.fetchall()}


def tenant_ids(engine: Engine, mart: str, tenant: str) -> set[int]:
    """The ids of a mart's rows that belong to a tenant, read by the owner (who sees every row)."""
    billing = f"select id from analytics.billing_analytics where tenant_id = '{tenant}'"
    where = f"tenant_id = '{tenant}'" if mart == "billing_analytics" else f"billing_id in ({billing})"
    return {row[0] for row in engine.query(f"select id from analytics.{mart} where {where}")}


@pytest.mark.postgres
def test_postgres_access_follows_the_security_rules(postgres_sample: Engine, tenant_logins: dict[str, str]) -> None:
    """Access rules (docs: rules_access): reporting reads the published marts, compliance alone reads the audit
    log, neither the tenant reader role nor a tenant login reads the audit log, and no reader role reads the
    build schema."""
    all_campaign_rows = postgres_sample.scalar("select count(*) from analytics.campaign_analytics")
    assert postgres_sample.scalar("set role reporting; select count(*) from analytics.campaign_analytics") == (
        all_campaign_rows
    )
    audit_rows = postgres_sample.scalar("select count(*) from analytics.admin_audit_log")
    assert postgres_sample.scalar("set role compliance; select count(*) from analytics.admin_audit_log") == audit_rows
    for role in ("reporting", "tenant_reader"):
        with pytest.raises(Exception, match="permission denied"):
            postgres_sample.scalar(f"set role {role}; select count(*) from analytics.admin_audit_log")
        # nor through the semantic layer's view over it, which only the compliance role reads
        with pytest.raises(Exception, match="permission denied"):
            postgres_sample.scalar(f"set role {role}; select count(*) from analytics.sem_admin_audit_log")
    assert postgres_sample.scalar("set role compliance; select count(*) from analytics.sem_admin_audit_log") == audit_rows
    # the message-grain fact is read by the reporting role in full (tenant logins: row-level security, below)
    assert postgres_sample.scalar("set role reporting; select count(*) from analytics.message_analytics") == (
        postgres_sample.scalar("select count(*) from analytics.message_analytics")
    )
    # the build schema (write, audit, publish) is the project's own: no reader role reads a build being checked
    for role in ("reporting", "compliance", "tenant_reader"):
        with pytest.raises(Exception, match="permission denied"):
            postgres_sample.scalar(f"set role {role}; select count(*) from analytics_build.billing_analytics")
    connection = connect_as(postgres_sample, next(iter(tenant_logins.values())))
    try:
        with pytest.raises(Exception, match="permission denied"):
            visible_ids(connection, "admin_audit_log")
    finally:
        connection.close()


@pytest.mark.postgres
def test_postgres_a_tenant_login_sees_only_its_tenant_in_every_mart(
    postgres_sample: Engine, tenant_logins: dict[str, str]
) -> None:
    """A login of tenant A sees exactly A's rows in every tenant mart (billing_analytics by tenant, the others
    through billing_id), and the logins of two tenants see disjoint rows."""
    seen: dict[str, dict[str, set[int]]] = {}
    for tenant, login in tenant_logins.items():
        connection = connect_as(postgres_sample, login)
        try:
            seen[tenant] = {mart: visible_ids(connection, mart) for mart in TENANT_MARTS}
        finally:
            connection.close()
        for mart in TENANT_MARTS:
            assert seen[tenant][mart] == tenant_ids(postgres_sample, mart, tenant), (login, mart)
        assert seen[tenant]["billing_analytics"] and seen[tenant]["campaign_analytics"], tenant
    first, second = seen.values()
    for mart in TENANT_MARTS:
        assert not first[mart] & second[mart], mart
        assert len(first[mart]) < postgres_sample.scalar(f"select count(*) from analytics.{mart}") or not first[mart]


@pytest.mark.postgres
def test_postgres_no_session_setting_widens_what_a_login_sees(
    postgres_sample: Engine, tenant_logins: dict[str, str]
) -> None:
    """What a tenant login sees depends on who it is, not on what it sets: `set app.tenant_id` to another
    tenant (the old pooled mode), any other setting, or a role it may switch to leaves it its own rows or none;
    it cannot switch to the reporting role, turn row security off, or read another login's mapping."""
    (tenant, login), (other_tenant, other_login) = tenant_logins.items()
    own = {mart: tenant_ids(postgres_sample, mart, tenant) for mart in TENANT_MARTS}
    connection = connect_as(postgres_sample, login)
    try:
        with connection.cursor() as cursor:
            cursor.execute("select session_user, current_user")
            assert cursor.fetchone() == (login, login)
            for setting in ("app.tenant_id", "app.tenant", "request.jwt.claim.tenant_id"):
                cursor.execute(f"set {setting} = '{other_tenant}'")
            for mart in TENANT_MARTS:
                assert visible_ids(connection, mart) == own[mart], mart
            cursor.execute("select login, tenant_id from reference.tenant_logins")
            assert cursor.fetchall() == [(login, tenant)]
            cursor.execute("set role tenant_reader")  # the group role has no tenant: no row at all
            assert all(not visible_ids(connection, mart) for mart in TENANT_MARTS)
            cursor.execute("reset role")
            for role in ("reporting", "compliance", other_login):
                with pytest.raises(Exception, match="permission denied"):
                    cursor.execute(f"set role {role}")
            cursor.execute("set row_security = off")
            with pytest.raises(Exception, match="row-level security"):
                visible_ids(connection, "billing_analytics")
    finally:
        connection.close()
    if postgres_sample.scalar(
        "select count(*) from pg_hba_file_rules where type = 'host' and auth_method in ('scram-sha-256', 'md5')"
    ):
        with pytest.raises(Exception, match="password authentication failed"):
            connect_as(postgres_sample, login, password="not-the-password")



# What a tenant login could learn of other tenants' sizes from the catalog, closed in the warehouse database by
# restrict_catalog_statistics (docs/operations.md: Tenant logins): each query reads a row count, page count or size of tables
# the login cannot read (raw, intermediate, build) or of the marts' rows of every tenant.
CLOSED_CATALOG_PATHS = {
    "pg_stat_user_tables": "select relname, n_live_tup from pg_stat_user_tables",
    "pg_stat_all_tables": "select relname, n_tup_ins from pg_stat_all_tables",
    "pg_stat_xact_user_tables": "select relname, n_tup_ins from pg_stat_xact_user_tables",
    "pg_statio_user_tables": "select relname, heap_blks_hit from pg_statio_user_tables",
    "pg_stat_user_indexes": "select relname, idx_tup_read from pg_stat_user_indexes",
    "pg_statio_all_indexes": "select relname, idx_blks_hit from pg_statio_all_indexes",
    "pg_stat_database": "select tup_inserted from pg_stat_database",
    "pg_class.reltuples": "select relname, reltuples from pg_class",
    "pg_class.relpages": "select relname, relpages from pg_class",
    "pg_class *": "select * from pg_class",
    "pg_stat_get_live_tuples": "select pg_stat_get_live_tuples(oid) from pg_class where relname = 'email_messages'",
    "pg_stat_get_tuples_inserted": "select pg_stat_get_tuples_inserted(oid) from pg_class where relname = 'tenants'",
    "pg_stat_get_db_tuples_inserted": "select pg_stat_get_db_tuples_inserted(oid) from pg_database",
    "pg_relation_size": "select pg_relation_size(oid) from pg_class where relname = 'email_messages'",
    "pg_total_relation_size": "select pg_total_relation_size(oid) from pg_class where relname = 'message_analytics'",
    "pg_table_size": "select pg_table_size(oid) from pg_class where relname = 'billing_analytics'",
    "pg_indexes_size": "select pg_indexes_size(oid) from pg_class where relname = 'tenant_logins'",
    "pg_database_size": "select pg_database_size(current_database())",
    "pg_tablespace_size": "select pg_tablespace_size('pg_default')",
}


@pytest.mark.postgres
def test_postgres_a_tenant_login_learns_no_table_size_from_the_catalog(
    postgres_sample: Engine, tenant_logins: dict[str, str]
) -> None:
    """A tenant login reads no row count, page count or size from the statistics views, pg_class's estimates or
    the size functions (and none from pg_stat_statements where it is installed), nor column statistics of the
    marts; it still reads the catalog's names and columns, and its own rows and nothing else. The reporting role
    still reads the statistics."""
    tenant, login = next(iter(tenant_logins.items()))
    paths = dict(CLOSED_CATALOG_PATHS)
    if postgres_sample.scalar("select count(*) from pg_extension where extname = 'pg_stat_statements'"):
        paths["pg_stat_statements"] = "select calls, rows from pg_stat_statements"
    connection = connect_as(postgres_sample, login)
    try:
        with connection.cursor() as cursor:
            for path, sql in paths.items():
                with pytest.raises(Exception, match="permission denied") as denied:
                    cursor.execute(sql)
                assert "permission denied" in str(denied.value), path
            # column statistics (most common values, histograms) of row-level secured or unreadable tables: none
            cursor.execute("select count(*) from pg_stats where schemaname in ('analytics', 'raw_oltp', 'reference')")
            assert cursor.fetchone() == (0,)
            # the catalog's names and columns stay readable: what psql's \d and drivers' metadata queries read
            cursor.execute(
                "select relname, relkind, relrowsecurity from pg_class "
                "where relnamespace = 'analytics'::regnamespace and relname = 'billing_analytics'"
            )
            assert cursor.fetchall() == [("billing_analytics", "r", True)]
            cursor.execute(
                "select count(*) from information_schema.columns "
                "where table_schema = 'analytics' and table_name = 'billing_analytics'"
            )
            assert cursor.fetchone()[0] > 0
        for mart in TENANT_MARTS:
            assert visible_ids(connection, mart) == tenant_ids(postgres_sample, mart, tenant), mart
    finally:
        connection.close()
    assert postgres_sample.scalar(
        "set role reporting; select count(*) from pg_stat_user_tables "
        "join pg_class on pg_class.oid = relid where reltuples > 0 and pg_table_size(relid) > 0"
    )



@pytest.mark.postgres
def test_postgres_the_catalog_restriction_is_idempotent_and_needs_a_superuser(
    postgres_sample: Engine, tmp_path: Path
) -> None:
    """restrict_catalog_statistics run again, as every build runs it, changes no privilege once they are in
    place; run by a build user that is not a superuser, it warns and changes nothing, without failing."""
    compiled = DbtProject(PROJECT_DIR, tmp_path / "dbt-artifacts").run(
        postgres_sample, "compile", "--inline", "{{ restrict_catalog_statistics() }}", "--output", "json", "--quiet"
    )
    restrict = json.loads(compiled.stdout)["compiled"]
    privileges = (
        "select relname, relacl::text from pg_class where relname in ('pg_class', 'pg_stat_user_tables') union all "
        "select attname, attacl::text from pg_attribute where attrelid = 'pg_class'::regclass and attnum > 0 union all "
        "select oid::regprocedure::text, proacl::text from pg_proc "
        "where proname in ('pg_relation_size', 'pg_stat_get_live_tuples') order by 1"
    )
    applied = postgres_sample.query(privileges)
    acls = dict(applied)
    for name in ("pg_class", "pg_stat_user_tables", "pg_relation_size(regclass)", "pg_stat_get_live_tuples(oid)"):
        public = acls[name].startswith("{=") or ",=" in acls[name]
        assert "reporting=" in acls[name] and "pg_monitor=" in acls[name] and not public, (name, acls[name])
    assert acls["reltuples"] is None and acls["relname"].startswith("{=r/"), acls
    owner = connect_as(
        postgres_sample, postgres_sample.env.get("DBT_POSTGRES_USER", "postgres"),
        password=os.environ.get("DBT_POSTGRES_PASSWORD", ""),
    )
    try:
        with owner.cursor() as cursor:
            cursor.execute(restrict)
            assert postgres_sample.query(privileges) == applied
            cursor.execute("set role reporting")
            cursor.execute(restrict)
        assert any("only a superuser can restrict them" in notice for notice in owner.notices), owner.notices
    finally:
        owner.close()
    assert postgres_sample.query(privileges) == applied

@pytest.mark.postgres
def test_postgres_a_tenant_login_still_describes_the_marts_with_psql(
    postgres_sample: Engine, tenant_logins: dict[str, str]
) -> None:
    """The catalog left readable is what psql reads: a tenant login lists and describes the marts (`\\dt`, `\\d`,
    `\\d+`); only the size listings (`\\dt+`, `\\l+`) are denied."""
    psql = shutil.which("psql") or next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"), reverse=True)), None)
    if psql is None:
        pytest.skip("no psql client on this machine")
    login = next(iter(tenant_logins.values()))

    def run(command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [psql, "-X", "-v", "ON_ERROR_STOP=1", "-c", command],
            env={
                **os.environ, "PGHOST": postgres_sample.env.get("DBT_POSTGRES_HOST", "localhost"),
                "PGPORT": postgres_sample.env.get("DBT_POSTGRES_PORT", "5432"), "PGUSER": login,
                "PGPASSWORD": LOGIN_PASSWORD, "PGDATABASE": postgres_sample.env["DBT_POSTGRES_DATABASE"],
            },
            capture_output=True, text=True, check=False,
        )

    for command, expected in (
        ("\\dt analytics.*", "billing_analytics"),
        ("\\d analytics.billing_analytics", "tenant_id"),
        ("\\d+ analytics.message_analytics", "Policies"),
    ):
        described = run(command)
        assert described.returncode == 0 and expected in described.stdout, (command, described.stderr)
    for command in ("\\dt+ analytics.*", "\\l+"):
        assert "permission denied" in run(command).stderr, command

def test_conservation_matches_the_sample_balance(duckdb_sample: Engine, acceptance_sample: Path) -> None:
    """Raw rows = counted + quarantined + duplicates, with the same split the sample reports."""
    duckdb_engine = duckdb_sample
    with duckdb.connect() as connection:
        balance = {
            row[0]: row[1:]
            for row in connection.execute(
                f"select * from read_csv('{acceptance_sample / 'expected' / 'conservation.csv'}')"
            ).fetchall()
        }
    messages_raw = duckdb_engine.scalar("select count(*) from raw_oltp.email_messages")
    messages_counted = duckdb_engine.scalar("select count(*) from intermediate.int_message_outcomes")
    messages_quarantined = duckdb_engine.scalar(
        "select count(*) from intermediate.int_quarantine where source_table = 'email_messages' and not is_row_kept"
    )
    events_raw = duckdb_engine.scalar("select count(*) from raw_oltp.email_events")
    events_counted = duckdb_engine.scalar(
        "select count(*) from intermediate.int_events_classified where quarantine_reason is null"
    )
    events_quarantined = duckdb_engine.scalar(
        "select count(*) from intermediate.int_quarantine where source_table = 'email_events' and not is_row_kept"
    )
    assert (messages_raw, messages_counted, messages_quarantined) == tuple(balance["email_messages"][:3])
    assert (events_raw, events_counted, events_quarantined) == tuple(balance["email_events"][:3])
    assert events_raw - events_counted - events_quarantined == balance["email_events"][3]
