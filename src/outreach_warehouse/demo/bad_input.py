"""The census: the bad-input cases of models/docs/rules_sources_and_bad_input.md counted on the generated rows
of one extract, each case a predicate on a generated relation (the loader keeps the counts in
`loader_meta.census`)."""

from __future__ import annotations

import duckdb

EVENT_TYPES = ("delivered", "opened", "clicked", "replied", "bounced", "unsubscribed", "spam_complaint")
MESSAGE_TYPES = ("campaign", "warmup")
CAMPAIGN_STATUSES = ("draft", "scheduled", "sending", "completed", "paused")
ENROLMENT_STATUSES = ("queued", "active", "completed", "replied", "bounced", "unsubscribed", "stopped")
WARMUP_STATUSES = ("pending", "active", "completed", "paused")
MAILBOX_STATUSES = ("active", "paused", "error", "disabled")
LEAD_STATUSES = ("active", "unsubscribed", "bounced")
COMPANY_STATUSES = ("active", "suspended", "archived")
DOMAIN_STATUSES = ("pending", "verified", "failed", "error")
SUBSCRIPTION_STATUSES = ("active", "past_due", "canceled", "unpaid")


def _vocabulary(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{value}'" for value in values) + ")"


def _mixed_case(column: str, vocabulary: tuple[str, ...]) -> str:
    return f"{column} != lower(trim({column})) and lower(trim({column})) in {_vocabulary(vocabulary)}"


def _out_of_vocabulary(column: str, vocabulary: tuple[str, ...]) -> str:
    return f"lower(trim({column})) not in {_vocabulary(vocabulary)}"


# Where the cases of each raw table are counted: (relation, alias). For the big tables, the narrow
# generator table behind the view, whose own columns say which case a row stands for.
CENSUS_SOURCES: dict[str, tuple[str, str]] = {
    "email_messages": ("g_messages", "m"),
    "email_events": ("g_events", "e"),
    "campaigns": ("campaigns_out", "c"),
    "campaign_leads": ("g_enrolment_versions", "cl"),
    "email_accounts": ("email_accounts_out", "a"),
    "leads": ("g_lead_versions", "l"),
    "companies": ("companies_out", "co"),
    "domains": ("domains_out", "d"),
    "subscriptions": ("subscriptions_out", "s"),
    "admin_audit_events": ("admin_audit_events_out", "au"),
}

# case name -> (census source, predicate). Each predicate says what a query on the raw tables finds.
CENSUS_CASES: dict[str, tuple[str, str]] = {
    # messages
    "message_null_id": ("email_messages", "m._case = 'null_id'"),
    "message_unknown_type": ("email_messages", "m._case = 'unknown_type'"),
    "message_type_mixed_case": ("email_messages", "m._messy_type"),
    "message_unknown_tenant": ("email_messages", "m._case = 'unknown_tenant'"),
    "message_unknown_mailbox": ("email_messages", "m._case = 'unknown_mailbox'"),
    "message_campaign_missing_campaign": ("email_messages", "m._case = 'missing_campaign' and m._kind = 'campaign'"),
    "message_campaign_missing_step": ("email_messages", "m._case = 'missing_step' and m._kind = 'campaign'"),
    "message_campaign_missing_lead": ("email_messages", "m._case = 'missing_lead' and m._kind = 'campaign'"),
    "message_future_sent_at": ("email_messages", "m.sent_at > m._extracted_at"),
    "message_before_tenant_created": (
        "email_messages", "m.sent_at < m._tenant_created and m._case is distinct from 'unknown_tenant'"),
    "message_after_tenant_deleted": (
        "email_messages", "m.sent_at > m._tenant_deleted and m._case is distinct from 'unknown_tenant'"),
    # events
    "event_duplicate_retry": ("email_events", "e._is_retry"),
    "event_unknown_message": ("email_events", "e.slot = 13"),
    "event_null_message_id": ("email_events", "e.slot = 14"),
    "event_malformed_message_id": ("email_events", "e.slot = 15"),
    "event_unknown_type": ("email_events", _out_of_vocabulary("e._event_type", EVENT_TYPES)),
    "event_type_mixed_case": ("email_events", _mixed_case("e.event_type", EVENT_TYPES)),
    "event_clock_skew_within_hour": (
        "email_events",
        "e.slot < 13 and e.occurred_at < e._message_sent_at and e.occurred_at >= e._message_sent_at - interval 1 hour",
    ),
    "event_before_message": ("email_events", "e.slot < 13 and e.occurred_at < e._message_sent_at - interval 1 hour"),
    "event_future_occurred_at": ("email_events", "e.occurred_at > e._extracted_at"),
    "event_malformed_payload": ("email_events", "e._payload_malformed"),
    # entity statuses
    "campaign_status_mixed_case": ("campaigns", _mixed_case("c.status", CAMPAIGN_STATUSES)),
    "campaign_status_out_of_vocabulary": ("campaigns", _out_of_vocabulary("c.status", CAMPAIGN_STATUSES)),
    "enrolment_status_mixed_case": ("campaign_leads", _mixed_case("cl.status", ENROLMENT_STATUSES)),
    "enrolment_status_out_of_vocabulary": ("campaign_leads", _out_of_vocabulary("cl.status", ENROLMENT_STATUSES)),
    "warmup_status_mixed_case": ("email_accounts", _mixed_case("a.warmup_status", WARMUP_STATUSES)),
    "warmup_status_out_of_vocabulary": ("email_accounts", _out_of_vocabulary("a.warmup_status", WARMUP_STATUSES)),
    "mailbox_status_mixed_case": ("email_accounts", _mixed_case("a.status", MAILBOX_STATUSES)),
    "lead_status_mixed_case": ("leads", _mixed_case("l.status", LEAD_STATUSES)),
    "company_status_mixed_case": ("companies", _mixed_case("co.status", COMPANY_STATUSES)),
    "domain_status_mixed_case": ("domains", _mixed_case("d.verification_status", DOMAIN_STATUSES)),
    "subscription_status_mixed_case": ("subscriptions", _mixed_case("s.status", SUBSCRIPTION_STATUSES)),
    # admin audit events
    "audit_unknown_action": (
        "admin_audit_events",
        "not list_contains(getvariable('in_scope_actions') || getvariable('low_risk_actions'), lower(trim(au.action)))",
    ),
    "audit_action_mixed_case": ("admin_audit_events", "au.action != lower(trim(au.action))"),
    "audit_malformed_old_values": ("admin_audit_events", "not coalesce(json_valid(au.old_values), true)"),
    "audit_malformed_new_values": ("admin_audit_events", "not coalesce(json_valid(au.new_values), true)"),
    "audit_malformed_metadata": ("admin_audit_events", "not coalesce(json_valid(au.metadata), true)"),
    "audit_amended_re_extract": ("admin_audit_events", "au._is_retry"),
}


def census(connection: duckdb.DuckDBPyConnection, window: str) -> dict[str, int]:
    """Count every bad-input case among the generated rows of one extract. `window` is a predicate on
    `{alias}._extracted_at` selecting the extract's rows."""
    counts: dict[str, int] = {}
    for table, (relation, alias) in CENSUS_SOURCES.items():
        cases = [(name, predicate) for name, (source, predicate) in CENSUS_CASES.items() if source == table]
        columns = ", ".join(f"count(*) filter (where {predicate})" for _, predicate in cases)
        row = connection.execute(
            f"select {columns} from {relation} as {alias} where {window.format(alias=alias)}"
        ).fetchone()
        if row is None:
            raise RuntimeError(f"no census row for {table}")
        counts.update({name: int(value) for (name, _), value in zip(cases, row)})
    return {name: counts[name] for name in CENSUS_CASES}
