"""The generator: the session variables and the shared temp macros (shared.py) every entity's statements read,
then the statements of every entity in dependency order."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

import duckdb

from outreach_warehouse.demo import audit, campaigns_messages, events, mailboxes_warmup, tenants_billing
from outreach_warehouse.demo.audit import UNKNOWN_AUDIT_ACTIONS, read_policy_actions
from outreach_warehouse.demo.campaigns_messages import CAMPAIGN_SHARE, SENT_STEP_SHARE
from outreach_warehouse.demo.events import INCREMENT_LOOKBACK_DAYS, LATE_ARRIVAL_MEAN_DAYS
from outreach_warehouse.demo.shared import MACROS
from outreach_warehouse.demo.spec import LoadSpec


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
