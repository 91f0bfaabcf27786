"""The generator: the session variables and temp macros every entity's statements read, then the statements of
every entity in dependency order."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

import duckdb

from outreach_warehouse.demo import audit, campaigns_messages, events, mailboxes_warmup, tenants_billing
from outreach_warehouse.demo.audit import UNKNOWN_AUDIT_ACTIONS, read_policy_actions
from outreach_warehouse.demo.campaigns_messages import CAMPAIGN_SHARE, SENT_STEP_SHARE
from outreach_warehouse.demo.events import INCREMENT_LOOKBACK_DAYS, LATE_ARRIVAL_MEAN_DAYS
from outreach_warehouse.demo.spec import LoadSpec


# Temp macros, so that nothing is left behind in a target database file.
MACROS: tuple[str, ...] = (
    # a deterministic draw in [0, 1) for a salt and a row key. DuckDB's multi-argument hash() combines
    # its arguments' hashes weakly (draws of two salts for one key correlate at about -0.6), so the
    # combination is hashed again
    "create or replace temp macro rnd(salt, k) as hash(hash(getvariable('seed'), salt, k)) / 18446744073709551616.0",
    # a deterministic integer in [0, n)
    "create or replace temp macro pick(salt, k, n) as cast(floor(rnd(salt, k) * n) as bigint)",
    # a UUID-shaped id: the md5 of salt, seed and key
    """create or replace temp macro uid(salt, k) as
        cast(cast(md5_number(salt || ':' || getvariable('seed') || ':' || k) as uuid) as varchar)""",
    "create or replace temp macro seconds(x) as to_seconds(cast(floor(x) as bigint))",
    "create or replace temp macro days(x) as to_seconds(cast(floor(x * 86400) as bigint))",
    # the daily extract (at the as-of's time of day) at or after ts; the first extract copies older rows
    """create or replace temp macro extract_after(ts) as greatest(
        getvariable('history_start'),
        getvariable('as_of')
            - to_seconds(86400 * cast(floor((epoch(getvariable('as_of')) - epoch(ts)) / 86400) as bigint))
    )""",
    # a vocabulary value as a careless client writes it: upper case, capitalised, padded
    """create or replace temp macro messy(v, k) as case hash(hash(getvariable('seed'), 'messy_form', k)) % 4
        when 0 then upper(v)
        when 1 then '  ' || upper(v[1]) || v[2:]
        when 2 then upper(v[1]) || v[2:] || ' '
        else ' ' || upper(v) || ' '
    end""",
    "create or replace temp macro maybe_messy(v, salt, k, share) as case when rnd(salt, k) < share then messy(v, k) else v end",
    "create or replace temp macro before_deletion(ts, deleted) as (deleted is null or ts <= deleted)",
)


def _utc(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S+00")


def _sql_list(values: list[str] | tuple[str, ...]) -> str:
    return "[" + ", ".join("'" + value.replace("'", "''") + "'" for value in values) + "]"


def declare(connection: duckdb.DuckDBPyConnection, spec: LoadSpec, policy_csv: Path) -> None:
    """Session variables and temp macros the generator statements read."""
    in_scope, low_risk = read_policy_actions(policy_csv)
    # messages are sent from the history's start; an increment generates the regular events of recent ones only
    cutoff = (
        spec.history_start
        if spec.window_start is None
        else max(spec.history_start, spec.window_start - timedelta(days=INCREMENT_LOOKBACK_DAYS))
    )
    variables = {
        "seed": str(int(spec.seed)),
        "as_of": f"cast('{_utc(spec.as_of)}' as timestamptz)",
        "horizon": f"cast('{_utc(spec.horizon)}' as timestamptz)",
        "history_start": f"cast('{_utc(spec.history_start)}' as timestamptz)",
        "cutoff": f"cast('{_utc(cutoff)}' as timestamptz)",
        "late_mean_days": repr(float(LATE_ARRIVAL_MEAN_DAYS)),
        "tenants": str(spec.tenants),
        "size_factor": repr(spec.size_factor),
        "leads_per_tenant": repr(0.4 * spec.messages / spec.tenants),
        "campaign_messages": str(round(CAMPAIGN_SHARE * spec.messages)),
        "warmup_messages": str(round((1 - CAMPAIGN_SHARE) * spec.messages)),
        "sent_step_share": repr(SENT_STEP_SHARE),
        "in_scope_actions": _sql_list(in_scope),
        "low_risk_actions": _sql_list(low_risk),
        "unknown_actions": _sql_list(UNKNOWN_AUDIT_ACTIONS),
    }
    connection.execute("set TimeZone = 'UTC'")
    for name, value in variables.items():
        connection.execute(f"set variable {name} = {value}")
    for statement in MACROS:
        connection.execute(statement)


# (name, statement): each statement creates one temp table or view, in dependency order.
STATEMENTS: tuple[tuple[str, str], ...] = (
    *tenants_billing.STATEMENTS,
    *mailboxes_warmup.STATEMENTS,
    *campaigns_messages.STATEMENTS,
    *events.STATEMENTS,
    *audit.STATEMENTS,
)


def generate(
    connection: duckdb.DuckDBPyConnection, spec: LoadSpec, policy_csv: Path,
    progress: Callable[[str], None] | None = None,
) -> None:
    """Create the temp tables `<raw table>_out` (and the internal `g_*` ones) in the connection; `progress`
    hears of each step (long loads take minutes)."""
    declare(connection, spec, policy_csv)
    for index, (name, statement) in enumerate(STATEMENTS, 1):
        if progress is not None:
            progress(f"generating {name} ({index}/{len(STATEMENTS)})")
        try:
            connection.execute(statement)
        except duckdb.Error as error:
            raise RuntimeError(f"generating {name}: {error}") from error
