"""What a daily run had to do, measured on the warehouse after it: the benchmark prints it beside the day's time.

Engine-neutral (the SQL runs on DuckDB and Postgres alike) and robust to the models of the day: a relation that
does not exist, or lacks a column, gives `None` (printed n/a), never an error.

- **The day's extract** (raw data, whatever the models): the messages that have a row or an event in the latest
  daily extract, their share of all messages, how many were sent more than 90 days before it, and the tenant
  billing periods they fall in (a tenant's periods are months from its sign-up: an approximation of
  `int_billing_periods` that ignores month ends).
- **Messages changed** (the models' view): rows of `int_changed_messages` over the messages, when that relation
  exists.
- **Billing periods touched by changed messages**: the distinct `billing_id`s of `int_message_outcomes` rows of
  the messages of `int_changed_messages`, over the rows of `billing_analytics`, when those exist.
- **Mart keys recomputed**: per mart, the share of rows whose `updated` (the start of the run that last
  (re)computed the row) is the day run's: at or after the moment the benchmark launched it.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Mapping

Query = Callable[[str], list[tuple[Any, ...]]]

_SECOND_OF_MONTH = "(extract(day from {c}) * 86400 + extract(hour from {c}) * 3600 + extract(minute from {c}) * 60 + extract(second from {c}))"


def _period_index(anchor: str, sent: str) -> str:
    """Whole months from a tenant's sign-up to a send (portable SQL: DuckDB and Postgres)."""
    return (
        f"((extract(year from {sent}) - extract(year from {anchor})) * 12 + extract(month from {sent}) "
        f"- extract(month from {anchor}) - case when {_SECOND_OF_MONTH.format(c=sent)} "
        f"< {_SECOND_OF_MONTH.format(c=anchor)} then 1 else 0 end)"
    )


def raw_day_sql(raw_schema: str = "raw_oltp") -> str:
    """One row: messages, changed messages, changed ones older than 90 days, billing periods with messages, periods
    touched, tenants with messages, tenants touched; for the latest daily extract of the raw schema."""
    return f"""
with bounds as (
    select max(_extracted_at) as hi, max(_extracted_at) - interval '1 day' as lo from {raw_schema}.email_messages
),
messages as (
    select m.id, min(m.tenant_id) as tenant_id, min(m.sent_at) as sent_at
    from {raw_schema}.email_messages as m
    where m.id is not null and m.sent_at <= (select hi from bounds)
    group by m.id
),
anchors as (select id, min(created) as created from {raw_schema}.tenants group by id),
placed as (
    select m.id, m.tenant_id, m.sent_at, {_period_index('a.created', 'm.sent_at')} as period_index
    from messages as m inner join anchors as a on m.tenant_id = a.id
),
changed_ids as (
    select id from {raw_schema}.email_messages
    where _extracted_at > (select lo from bounds) and id is not null
    union
    select message_id from {raw_schema}.email_events
    where _extracted_at > (select lo from bounds) and message_id is not null
),
changed as (select p.* from placed as p where p.id in (select id from changed_ids))
select
    (select count(*) from placed),
    (select count(*) from changed),
    (select count(*) from changed where sent_at < (select lo from bounds) - interval '90 days'),
    (select count(*) from (select distinct tenant_id, period_index from placed) as d),
    (select count(*) from (select distinct tenant_id, period_index from changed) as d),
    (select count(distinct tenant_id) from placed),
    (select count(distinct tenant_id) from changed)
"""


def raw_day(query: Query, raw_schema: str = "raw_oltp") -> dict[str, int] | None:
    """The day's extract measured on the raw tables (None when it cannot be)."""
    try:
        row = query(raw_day_sql(raw_schema))[0]
    except Exception:  # noqa: BLE001 - a measurement, never a reason to stop the benchmark
        return None
    names = ("messages", "changed", "changed_older_than_90_days", "periods", "periods_touched", "tenants",
             "tenants_touched")
    return {name: int(value or 0) for name, value in zip(names, row)}


def mart_relations(manifest: Path) -> dict[str, str]:
    """Model name -> relation name (as the engine quotes it) of every model of the manifest."""
    nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"].values()
    return {
        node["name"]: node["relation_name"]
        for node in nodes
        if node.get("resource_type") == "model" and node.get("relation_name")
    }


def marts(manifest: Path) -> list[str]:
    """The marts: models under models/marts/, the semantic layer's views excepted."""
    nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"].values()
    return sorted(
        node["name"]
        for node in nodes
        if node.get("resource_type") == "model"
        and node.get("original_file_path", "").startswith("models/marts/")
        and "/semantic/" not in node.get("original_file_path", "")
    )


def _scalar(query: Query, sql: str) -> Any:
    try:
        return query(sql)[0][0]
    except Exception:  # noqa: BLE001 - a relation or column that is not there: n/a
        return None


def model_shares(query: Query, manifest: Path, day_started: datetime, messages: int | None) -> dict[str, Any]:
    """Messages changed, billing periods touched and mart rows recomputed by the day run, as far as the models
    have the relations (see the module docstring). `day_started`: when the day run was launched (UTC)."""
    relations = mart_relations(manifest)
    since = f"'{day_started.strftime('%Y-%m-%d %H:%M:%S')}+00'"
    result: dict[str, Any] = {"changed_messages": None, "changed_message_share": None,
                              "periods_touched": None, "periods": None, "marts": {}}
    changed = relations.get("int_changed_messages")
    if changed:
        result["changed_messages"] = _scalar(query, f"select count(*) from {changed}")
        if result["changed_messages"] is not None and messages:
            result["changed_message_share"] = result["changed_messages"] / messages
    billing = relations.get("billing_analytics")
    if billing:
        result["periods"] = _scalar(query, f"select count(*) from {billing}")
    outcomes = relations.get("int_message_outcomes")
    if changed and outcomes:
        result["periods_touched"] = _scalar(query, f"""
            select count(distinct o.billing_id) from {outcomes} as o
            where o.message_id in (select c.message_id from {changed} as c)""")
    for mart in marts(manifest):
        relation = relations[mart]
        row = None
        try:
            row = query(f"select count(*), count(case when updated >= {since} then 1 end) from {relation}")[0]
        except Exception:  # noqa: BLE001 - no such relation or no `updated`: n/a
            pass
        result["marts"][mart] = None if row is None else {"rows": int(row[0]), "recomputed": int(row[1])}
    return result


def _share(part: Any, whole: Any) -> str:
    if part is None or not whole:
        return "n/a"
    return f"{100 * part / whole:.1f}%"


def describe(raw: Mapping[str, int] | None, models: Mapping[str, Any] | None) -> list[str]:
    """Lines for the console and the report: the day's shares."""
    lines: list[str] = []
    if raw:
        lines.append(
            f"day's extract: {raw['changed']:,} of {raw['messages']:,} messages have a row or event in it "
            f"({_share(raw['changed'], raw['messages'])}; {raw['changed_older_than_90_days']:,} sent more than "
            f"90 days before), in {raw['periods_touched']:,} of {raw['periods']:,} tenant billing periods "
            f"({_share(raw['periods_touched'], raw['periods'])}) of {raw['tenants_touched']} of {raw['tenants']} tenants"
        )
    else:
        lines.append("day's extract: n/a")
    if models is None:
        lines.append("models: n/a (the day did not complete)")
        return lines
    messages = raw["messages"] if raw else None
    changed = models.get("changed_messages")
    lines.append(
        "messages changed (int_changed_messages): "
        + ("n/a (no such relation)" if changed is None else f"{changed:,} = {_share(changed, messages)}")
    )
    lines.append(
        "billing periods touched by changed messages: "
        + ("n/a" if models.get("periods_touched") is None
           else f"{models['periods_touched']:,} of {models['periods']:,} billing_analytics rows = "
                f"{_share(models['periods_touched'], models['periods'])}")
    )
    recomputed = [
        f"{mart} {'n/a' if value is None else _share(value['recomputed'], value['rows'])}"
        + ("" if value is None else f" ({value['recomputed']:,} of {value['rows']:,})")
        for mart, value in models.get("marts", {}).items()
    ]
    lines.append("mart rows recomputed (updated = the day run's start): " + ("; ".join(recomputed) or "n/a"))
    return lines
