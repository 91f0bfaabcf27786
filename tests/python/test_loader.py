"""The raw-data loader: the exact raw contract, deterministic for a seed, a census that a query on the raw
tables confirms, later daily extracts that only append, and parquet loading. DuckDB files only."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import duckdb
import pytest

from conftest import PROJECT_DIR, run_cli
from outreach_warehouse.__main__ import COMMANDS, build_parser
from outreach_warehouse.demo import LoadSpec
from outreach_warehouse.raw_schema import RAW_TABLES

MESSAGES = "20000"
SEED = "3"
BASE_AS_OF = datetime(2026, 1, 1, 1, 0, tzinfo=timezone.utc)
TYPE_NAMES = {"text": "VARCHAR", "timestamptz": "TIMESTAMP WITH TIME ZONE", "integer": "INTEGER", "boolean": "BOOLEAN"}
UUID = "'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'"


def load(path: Path, *extra: str, seed: str = SEED) -> dict[str, Any]:
    """Run `load` through the CLI into a DuckDB file; returns its JSON report."""
    result = run_cli("load", "--target", "duckdb", "--messages", MESSAGES, "--seed", seed, *extra,
                     env={"DBT_DUCKDB_PATH": str(path)})
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def query(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(path), read_only=True) as connection:
        connection.execute("set TimeZone = 'UTC'")
        return connection.execute(sql).fetchall()


def scalar(path: Path, sql: str) -> Any:
    return query(path, sql)[0][0]


def content_hashes(path: Path, where: str = "true") -> dict[str, tuple[int, str]]:
    """Per raw table: row count and the md5 of its rows as text, sorted (independent of storage order)."""
    return {
        table: query(
            path,
            f"select count(*), md5(coalesce(string_agg(cast(t as varchar), chr(10) order by cast(t as varchar)), '')) "
            f"from raw_oltp.{table} as t where {where}",
        )[0]
        for table in RAW_TABLES
    }


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    path = tmp_path_factory.mktemp("loader") / "raw.duckdb"
    return path, load(path)


def test_cli_registers_load_commands() -> None:
    names = [command.name for command in COMMANDS]
    assert names[:2] == ["load", "load-parquet"]
    args = build_parser().parse_args(["load", "--messages", "1000", "--increment-day", "2", "--as-of", "2025-06-01"])
    assert args.increment_day == 2 and args.as_of == datetime(2025, 6, 1, tzinfo=timezone.utc)
    with pytest.raises(ValueError):
        LoadSpec(messages=20_000, seed=1, increment_day=-1)


def test_raw_schema_is_exactly_the_contract(base: tuple[Path, dict[str, Any]]) -> None:
    path, report = base
    tables = [row[0] for row in query(
        path, "select table_name from information_schema.tables where table_schema = 'raw_oltp' order by 1")]
    assert tables == sorted(RAW_TABLES)
    for table, columns in RAW_TABLES.items():
        actual = query(
            path,
            "select column_name, data_type from information_schema.columns "
            f"where table_schema = 'raw_oltp' and table_name = '{table}' order by ordinal_position",
        )
        assert actual == [(name, TYPE_NAMES[kind]) for name, kind in columns], table
        assert report["rows"][table] == scalar(path, f"select count(*) from raw_oltp.{table}") > 0, table
    # the census lives beside the raw schema, and no generator macro or view is left in the file
    assert scalar(path, "select count(*) from information_schema.tables where table_schema = 'loader_meta'") == 1
    assert scalar(path, "select count(*) from duckdb_functions() where function_name in ('rnd', 'pick', 'messy')") == 0
    assert scalar(path, "select count(*) from duckdb_views() where not internal") == 0


def test_size_follows_messages(base: tuple[Path, dict[str, Any]]) -> None:
    path, _ = base
    messages = scalar(path, "select count(*) from raw_oltp.email_messages")
    assert 0.85 * int(MESSAGES) < messages < 1.15 * int(MESSAGES)
    warmup = scalar(path, "select count(*) from raw_oltp.email_messages where lower(trim(message_type)) = 'warmup'")
    assert 0.1 < warmup / messages < 0.3
    events = scalar(path, "select count(*) from raw_oltp.email_events")
    assert 1.5 < events / messages < 2.5


def test_same_seed_same_tables_other_seed_other_tables(base: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    path, _ = base
    again = tmp_path / "again.duckdb"
    load(again)
    assert content_hashes(again) == content_hashes(path)
    other = tmp_path / "other.duckdb"
    load(other, seed="4")
    base_hashes, other_hashes = content_hashes(path), content_hashes(other)
    for table in ("tenants", "leads", "email_messages", "email_events", "admin_audit_events"):
        assert other_hashes[table] != base_hashes[table], table


def test_funnel_rates_are_plausible(base: tuple[Path, dict[str, Any]]) -> None:
    path, _ = base
    share = dict(query(path, """
        with messages as (select count(distinct id) as n from raw_oltp.email_messages)
        select lower(trim(event_type)), count(distinct message_id) / any_value(messages.n)
        from raw_oltp.email_events, messages
        group by 1
    """))
    assert 0.92 < share["delivered"] < 0.98
    assert 0.33 < share["opened"] < 0.47
    assert 0.06 < share["clicked"] < 0.14
    assert 0.015 < share["replied"] < 0.05
    assert 0.015 < share["bounced"] < 0.045
    assert 0.0002 < share["spam_complaint"] < 0.003
    assert share["unsubscribed"] > 0
    bots = dict(query(path, "select is_bot, count(*) from raw_oltp.email_events "
                            "where lower(trim(event_type)) = 'opened' group by 1"))
    assert bots[True] > 0 and bots[False] > bots[True] and bots[None] > 0
    assert {row[0] for row in query(path, "select distinct bounce_type from raw_oltp.email_events "
                                          "where lower(trim(event_type)) = 'bounced'")} == {"hard", "soft"}
    step_types = {row[0] for row in query(path, "select distinct step_type from raw_oltp.campaign_sequence_steps")}
    assert step_types == {"email", "wait", "condition"}
    enrolment_statuses = {row[0] for row in query(path, "select distinct lower(trim(status)) from raw_oltp.campaign_leads")}
    assert {"queued", "active", "completed", "replied", "bounced", "unsubscribed", "stopped"} <= enrolment_statuses


def _policy_actions() -> str:
    with (PROJECT_DIR / "seeds" / "audit_action_policy.csv").open(newline="") as handle:
        return ", ".join(f"'{row['action']}'" for row in csv.DictReader(handle))


# census case -> the query on the raw tables that must find the same number
RAW_CASE_QUERIES: dict[str, str] = {
    "message_null_id": "select count(*) from raw_oltp.email_messages where id is null",
    "message_unknown_type": "select count(*) from raw_oltp.email_messages "
                            "where lower(trim(message_type)) not in ('campaign', 'warmup')",
    "message_type_mixed_case": "select count(*) from raw_oltp.email_messages where message_type != lower(trim(message_type)) "
                               "and lower(trim(message_type)) in ('campaign', 'warmup')",
    "message_unknown_tenant": "select count(*) from raw_oltp.email_messages as m "
                              "where not exists (select 1 from raw_oltp.tenants as t where t.id = m.tenant_id)",
    "message_unknown_mailbox": "select count(*) from raw_oltp.email_messages as m where not exists "
                               "(select 1 from raw_oltp.email_accounts as a where a.id = m.email_account_id)",
    "message_campaign_missing_campaign": "select count(*) from raw_oltp.email_messages "
                                         "where lower(trim(message_type)) = 'campaign' and campaign_id is null",
    "message_campaign_missing_step": "select count(*) from raw_oltp.email_messages "
                                     "where lower(trim(message_type)) = 'campaign' and step_id is null",
    "message_campaign_missing_lead": "select count(*) from raw_oltp.email_messages "
                                     "where lower(trim(message_type)) = 'campaign' and lead_id is null",
    "message_future_sent_at": "select count(*) from raw_oltp.email_messages where sent_at > '2026-01-01 01:00:00+00'",
    "message_before_tenant_created": "select count(*) from raw_oltp.email_messages as m inner join "
                                     "(select id, min(created) as created from raw_oltp.tenants group by id) as t "
                                     "on m.tenant_id = t.id where m.sent_at < t.created",
    "message_after_tenant_deleted": "select count(*) from raw_oltp.email_messages as m inner join "
                                    "(select id, max(deleted) as deleted from raw_oltp.tenants group by id) as t "
                                    "on m.tenant_id = t.id where m.sent_at > t.deleted",
    "event_duplicate_retry": "select count(*) - count(distinct id) from raw_oltp.email_events",
    "event_null_message_id": "select count(*) from raw_oltp.email_events where message_id is null",
    "event_unknown_message": f"select count(*) from raw_oltp.email_events as e where regexp_full_match(e.message_id, {UUID}) "
                             "and not exists (select 1 from raw_oltp.email_messages as m where m.id = e.message_id)",
    "event_malformed_message_id": f"select count(*) from raw_oltp.email_events where not regexp_full_match(message_id, {UUID})",
    "event_unknown_type": "select count(*) from raw_oltp.email_events where lower(trim(event_type)) not in "
                          "('delivered', 'opened', 'clicked', 'replied', 'bounced', 'unsubscribed', 'spam_complaint')",
    "event_type_mixed_case": "select count(*) from raw_oltp.email_events where event_type != lower(trim(event_type)) "
                             "and lower(trim(event_type)) in ('delivered', 'opened', 'clicked', 'replied', 'bounced', "
                             "'unsubscribed', 'spam_complaint')",
    "event_clock_skew_within_hour": "select count(*) from raw_oltp.email_events as e inner join raw_oltp.email_messages as m "
                                    "on e.message_id = m.id where e.occurred_at < m.sent_at "
                                    "and e.occurred_at >= m.sent_at - interval 1 hour",
    "event_before_message": "select count(*) from raw_oltp.email_events as e inner join raw_oltp.email_messages as m "
                            "on e.message_id = m.id where e.occurred_at < m.sent_at - interval 1 hour",
    "event_future_occurred_at": "select count(*) from raw_oltp.email_events where occurred_at > '2026-01-01 01:00:00+00'",
    "event_malformed_payload": "select count(*) from raw_oltp.email_events where not json_valid(payload)",
    "campaign_status_out_of_vocabulary": "select count(*) from raw_oltp.campaigns where lower(trim(status)) not in "
                                         "('draft', 'scheduled', 'sending', 'completed', 'paused')",
    "enrolment_status_out_of_vocabulary": "select count(*) from raw_oltp.campaign_leads where lower(trim(status)) not in "
                                          "('queued', 'active', 'completed', 'replied', 'bounced', 'unsubscribed', 'stopped')",
    "enrolment_status_mixed_case": "select count(*) from raw_oltp.campaign_leads where status != lower(trim(status)) "
                                   "and lower(trim(status)) != 'on_hold'",
    "warmup_status_out_of_vocabulary": "select count(*) from raw_oltp.email_accounts where lower(trim(warmup_status)) "
                                       "not in ('pending', 'active', 'completed', 'paused')",
    "lead_status_mixed_case": "select count(*) from raw_oltp.leads where status != lower(trim(status))",
    "audit_unknown_action": "select count(*) from raw_oltp.admin_audit_events "
                            "where lower(trim(action)) not in ({policy})",
    "audit_action_mixed_case": "select count(*) from raw_oltp.admin_audit_events where action != lower(trim(action))",
    "audit_malformed_old_values": "select count(*) from raw_oltp.admin_audit_events where not json_valid(old_values)",
    "audit_malformed_new_values": "select count(*) from raw_oltp.admin_audit_events where not json_valid(new_values)",
    "audit_malformed_metadata": "select count(*) from raw_oltp.admin_audit_events where not json_valid(metadata)",
    "audit_amended_re_extract": "select count(*) - count(distinct id) from raw_oltp.admin_audit_events",
}
# present even in a small load
ALWAYS_PRESENT = [case for case in RAW_CASE_QUERIES if case.startswith(("message_", "event_"))] + [
    "campaign_status_out_of_vocabulary", "enrolment_status_out_of_vocabulary", "enrolment_status_mixed_case",
    "warmup_status_out_of_vocabulary", "lead_status_mixed_case", "audit_unknown_action",
]


@pytest.mark.parametrize("case", list(RAW_CASE_QUERIES))
def test_census_counts_what_the_raw_tables_hold(base: tuple[Path, dict[str, Any]], case: str) -> None:
    path, report = base
    found = scalar(path, RAW_CASE_QUERIES[case].replace("{policy}", _policy_actions()))
    assert report["census"][case] == found
    if case in ALWAYS_PRESENT:
        assert found > 0, f"the loader wrote no {case}"


def test_census_is_stored_beside_the_raw_schema(base: tuple[Path, dict[str, Any]]) -> None:
    path, report = base
    stored = {name: count for name, count, day in query(path, "select * from loader_meta.census") if day == 0}
    assert stored == report["census"]
    assert set(RAW_CASE_QUERIES) <= set(stored)


def test_rows_are_stamped_with_a_daily_extract(base: tuple[Path, dict[str, Any]]) -> None:
    path, _ = base
    first_extract = BASE_AS_OF - timedelta(days=120)
    for table, columns in RAW_TABLES.items():
        names = {name for name, _ in columns}
        changed = "updated" if "updated" in names else "received_at" if table == "email_events" else "created"
        # an amended audit event is copied again by a later extract: only its first copy is on time
        rows = (f"(select * from raw_oltp.{table} qualify row_number() over (partition by id order by _extracted_at) = 1)"
                if table == "admin_audit_events" else f"raw_oltp.{table}")
        stamps = query(path, f"""
            select
                count(*) filter (where strftime(_extracted_at, '%H:%M:%S') != '01:00:00'),
                count(*) filter (where _extracted_at < {changed}),
                count(*) filter (where _extracted_at >= {changed} + interval 1 day and {changed} >= '{first_extract}'),
                min(_extracted_at),
                max(_extracted_at)
            from {rows}
        """)[0]
        assert stamps[:3] == (0, 0, 0), table
        assert first_extract <= stamps[3] and stamps[4] <= BASE_AS_OF, table
    assert scalar(path, "select max(_extracted_at) from raw_oltp.email_events") == BASE_AS_OF
    # entities change: several tables hold rows in more than one version
    for table in ("tenants", "campaigns", "email_accounts", "leads", "campaign_leads"):
        key = "campaign_id || lead_id" if table == "campaign_leads" else "id"
        assert scalar(path, f"select count(*) - count(distinct {key}) from raw_oltp.{table}") > 0, table


def test_references_resolve_apart_from_the_bad_input(base: tuple[Path, dict[str, Any]]) -> None:
    path, report = base
    references = [
        ("companies", "tenant_id", "tenants", 0), ("domains", "company_id", "companies", 0),
        ("email_accounts", "domain_id", "domains", 0), ("campaigns", "company_id", "companies", 0),
        ("campaign_sequence_steps", "campaign_id", "campaigns", 0), ("campaign_leads", "lead_id", "leads", 0),
        ("subscriptions", "plan_id", "plans", 0), ("email_messages", "campaign_id", "campaigns", 0),
        ("email_messages", "step_id", "campaign_sequence_steps", 0), ("email_messages", "lead_id", "leads", 0),
        ("email_messages", "tenant_id", "tenants", report["census"]["message_unknown_tenant"]),
    ]
    for child, column, parent, expected in references:
        unresolved = scalar(path, f"""
            select count(*) from raw_oltp.{child} as c
            where c.{column} is not null and not exists (
                select 1 from raw_oltp.{parent} as p where p.id = c.{column} and p._extracted_at <= c._extracted_at
            )
        """)
        assert unresolved == expected, f"{child}.{column}"


def test_increment_days_append_consistent_later_extracts(base: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    base_path, _ = base
    path = tmp_path / "increments.duckdb"
    shutil.copy(base_path, path)
    before = content_hashes(path)
    reports = {day: load(path, "--increment-day", str(day)) for day in (1, 2, 3)}

    assert content_hashes(path, where=f"_extracted_at <= '{BASE_AS_OF}'") == before, "an increment rewrote the base"
    for day, report in reports.items():
        stamps = query(path, " union ".join(
            f"select distinct _extracted_at from raw_oltp.{table} where _extracted_at > '{BASE_AS_OF + timedelta(days=day - 1)}'"
            f" and _extracted_at <= '{BASE_AS_OF + timedelta(days=day)}'" for table in RAW_TABLES))
        assert stamps == [(BASE_AS_OF + timedelta(days=day),)], day
        assert report["rows"]["email_messages"] > 0 and report["rows"]["email_events"] > 0
        stored = dict(query(path, f"select case_name, row_count from loader_meta.census where extract_day = {day}"))
        assert stored == report["census"]

    later = f"_extracted_at > '{BASE_AS_OF}'"
    late_events = scalar(path, f"""
        select count(*) from raw_oltp.email_events as e inner join raw_oltp.email_messages as m on e.message_id = m.id
        where e.{later} and m.sent_at < e._extracted_at - interval 14 day
    """)
    assert late_events > 0, "no late events for messages sent weeks before"
    redelivered = scalar(path, f"""
        select count(*) from raw_oltp.email_events as e where e.{later}
            and exists (select 1 from raw_oltp.email_events as o where o.id = e.id and o._extracted_at <= '{BASE_AS_OF}')
    """)
    assert redelivered > 0, "no webhook retry of an old event in a later extract"
    for table in ("campaigns", "leads", "campaign_leads", "email_accounts", "tenants"):
        assert scalar(path, f"select count(*) from raw_oltp.{table} where {later}") > 0, f"{table} never changes"
    assert scalar(path, f"select count(*) from raw_oltp.leads where {later} and created > '{BASE_AS_OF}'") > 0
    # later extracts refer to what exists, apart from the deliberate bad input
    census_total = scalar(path, "select sum(row_count) from loader_meta.census where case_name = 'message_unknown_tenant'")
    unknown_tenants = scalar(path, """select count(*) from raw_oltp.email_messages as m
        where not exists (select 1 from raw_oltp.tenants as t where t.id = m.tenant_id)""")
    assert unknown_tenants == census_total
    assert scalar(path, f"""select count(*) from raw_oltp.email_messages as m where m.{later} and m.campaign_id is not null
        and not exists (select 1 from raw_oltp.campaigns as c where c.id = m.campaign_id)""") == 0

    # a day carries late events for messages of any age: a few percent of the messages change, some of them
    # older than 90 days, and the tenants that see a message of an earlier billing period change (not only new
    # sends) hold most of those periods' messages
    for day in (1, 2, 3):
        lo, hi = BASE_AS_OF + timedelta(days=day - 1), BASE_AS_OF + timedelta(days=day)
        total, changed, older_than_90_days, old, old_in_touched_tenants = query(path, f"""
            with messages as (
                select id, any_value(tenant_id) as tenant_id, min(sent_at) as sent_at from raw_oltp.email_messages
                where id is not null and _extracted_at <= '{hi}' and sent_at <= '{hi}' group by id
            ),
            changed as (
                select id from raw_oltp.email_messages where _extracted_at > '{lo}' and _extracted_at <= '{hi}'
                union
                select message_id from raw_oltp.email_events where _extracted_at > '{lo}' and _extracted_at <= '{hi}'
            ),
            changed_messages as (select m.* from messages as m semi join changed as c on c.id = m.id)
            select
                (select count(*) from messages),
                (select count(*) from changed_messages),
                (select count(*) from changed_messages where sent_at < '{lo}'::timestamptz - interval 90 day),
                (select count(*) from messages where sent_at < '{lo}'::timestamptz - interval 31 day),
                (select count(*) from messages where sent_at < '{lo}'::timestamptz - interval 31 day
                    and tenant_id in (select tenant_id from changed_messages
                        where sent_at < '{lo}'::timestamptz - interval 31 day))
        """)[0]
        assert 0.01 <= changed / total <= 0.05, (day, changed, total)
        assert older_than_90_days > 0, f"day {day}: no late event for a message older than 90 days"
        # (weighted by messages: at 20k messages a small tenant's old messages may see no change on a day)
        assert old_in_touched_tenants >= 0.6 * old, (day, old_in_touched_tenants, old)

    # an increment is deterministic, and re-running one replaces it rather than appending twice
    after_three = content_hashes(path)
    load(path, "--increment-day", "3")
    assert content_hashes(path) == after_three


def test_increment_needs_a_base_load(tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match="run a base load"):
        load(tmp_path / "empty.duckdb", "--increment-day", "1")


def test_fresh_starts_a_new_demo_file_and_refuses_a_file_it_did_not_write(tmp_path: Path) -> None:
    """`load --fresh` (make demo): a smaller demo after a bigger one starts from a new file, without the bigger
    one's raw counts and run history (which would stop the build at the raw volume check); a DuckDB file that
    the loader did not write is left alone, exit 2."""
    demo = tmp_path / "demo.duckdb"
    bigger = run_cli("load", "--target", "duckdb", "--messages", "3000", "--seed", SEED,
                     env={"DBT_DUCKDB_PATH": str(demo)})
    with duckdb.connect(str(demo)) as connection:  # what a build leaves: the run history beside the raw data
        connection.execute("create schema intermediate")
        connection.execute("create table intermediate.warehouse_raw_counts as select 1 as row_count")
    smaller = run_cli("load", "--target", "duckdb", "--fresh", "--messages", "1000", "--seed", SEED,
                      env={"DBT_DUCKDB_PATH": str(demo)})
    assert f"a fresh demo: removed the previous demo warehouse {demo}" in smaller.stderr, smaller.stderr
    messages = json.loads(smaller.stdout)["rows"]["email_messages"]
    assert 0 < messages < json.loads(bigger.stdout)["rows"]["email_messages"]
    assert query(demo, "select count(*) from raw_oltp.email_messages") == [(messages,)]
    assert query(demo, "select count(*) from information_schema.schemata where schema_name = 'intermediate'") == [(0,)]

    other = tmp_path / "real.duckdb"
    with duckdb.connect(str(other)) as connection:
        connection.execute("create table kept as select 42 as answer")
    with pytest.raises(AssertionError, match="holds a warehouse the demo loader did not write"):
        run_cli("load", "--target", "duckdb", "--fresh", "--messages", "1000", env={"DBT_DUCKDB_PATH": str(other)})
    assert query(other, "select answer from kept") == [(42,)]


def test_load_parquet_round_trips_the_acceptance_sample(tmp_path: Path, acceptance_sample: Path) -> None:
    path = tmp_path / "sample.duckdb"
    sample = acceptance_sample / "raw_oltp"
    written = json.loads(run_cli("load-parquet", "--target", "duckdb", "--dir", str(sample),
                                 env={"DBT_DUCKDB_PATH": str(path)}).stdout)
    for table, columns in RAW_TABLES.items():
        parquet = f"read_parquet('{sample / f'{table}.parquet'}')"
        expected = scalar(path, f"select count(*) from {parquet}")
        assert written[table] == expected == scalar(path, f"select count(*) from raw_oltp.{table}"), table
        names = ", ".join(name for name, _ in columns)
        assert query(path, f"select {names} from {parquet} except all select {names} from raw_oltp.{table}") == [], table
        types = query(path, "select data_type from information_schema.columns "
                            f"where table_schema = 'raw_oltp' and table_name = '{table}' order by ordinal_position")
        assert [row[0] for row in types] == [TYPE_NAMES[kind] for _, kind in columns], table
