"""Staging keeps exactly one row per entity (its latest version at the as-of) and one per provider event."""

from __future__ import annotations

from conftest import run_cli
from outreach_warehouse.raw_schema import RAW_TABLES
from outreach_warehouse.warehouse import DbtProject, Engine

# staged model -> (raw table, key expression)
ENTITY_KEYS = {
    "stg_oltp__tenants": ("tenants", "id"),
    "stg_oltp__companies": ("companies", "id"),
    "stg_oltp__plans": ("plans", "id"),
    "stg_oltp__subscriptions": ("subscriptions", "id"),
    "stg_oltp__domains": ("domains", "id"),
    "stg_oltp__email_accounts": ("email_accounts", "id"),
    "stg_oltp__leads": ("leads", "id"),
    "stg_oltp__campaigns": ("campaigns", "id"),
    "stg_oltp__campaign_sequence_steps": ("campaign_sequence_steps", "id"),
    "stg_oltp__campaign_leads": ("campaign_leads", "campaign_id || '|' || lead_id"),
    "stg_oltp__admin_audit_events": ("admin_audit_events", "id"),
}


def test_staging_row_counts_match_the_raw_data(duckdb_engine: Engine, dbt_project: DbtProject) -> None:
    run_cli("load", "--target", "duckdb", "--messages", "30000", "--seed", "5", env=duckdb_engine.env)
    dbt_project.run(duckdb_engine, "run", "--select", "staging")
    as_of = duckdb_engine.scalar(
        " union all ".join(f"select max(_extracted_at) from raw_oltp.{table}" for table in RAW_TABLES).join(
            ("select max(m) from (", ") as extracts (m)")
        )
    )
    for model, (table, key) in ENTITY_KEYS.items():
        expected = duckdb_engine.scalar(
            f"select count(distinct {key}) from raw_oltp.{table} where _extracted_at <= '{as_of}'"
        )
        actual = duckdb_engine.scalar(f"select count(*) from staging.{model}")
        assert actual == expected, model
    for model, table in (("stg_oltp__email_messages", "email_messages"), ("stg_oltp__email_events", "email_events")):
        distinct_ids, null_ids = duckdb_engine.query(
            f"select count(distinct id), count(*) - count(id) from raw_oltp.{table}"
        )[0]
        assert duckdb_engine.scalar(f"select count(*) from staging.{model}") == distinct_ids + null_ids, model
    assert duckdb_engine.scalar("select count(id) - count(distinct id) from raw_oltp.email_events") > 0, (
        "the loader wrote no webhook retries: the event count would prove nothing"
    )
