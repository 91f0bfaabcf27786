"""One-off generator kept for maintenance: writes models/marts/_marts__models.yml from compact specs."""
import yaml, pathlib

TS = "timestamp with time zone"
JSON = "{{ 'jsonb' if target.type == 'postgres' else 'json' }}"
FUNNEL = [
    ("sent", "Counted messages sent in the period (send cohort)."),
    ("delivered", "Messages with delivery evidence: a delivered, opened, clicked, replied, unsubscribed or spam_complaint event (bot-flagged events included)."),
    ("opened_tracked", "Messages with at least one open not flagged as a bot."),
    ("clicked_tracked", "Messages with at least one click not flagged as a bot."),
    ("replied", "Messages with at least one reply."),
    ("bounced", "Messages with a bounce and no delivery evidence (a soft bounce followed by a delivery counts as delivered)."),
    ("unsubscribed", "Messages with at least one unsubscribe."),
    ("spam_complaints", "Messages with at least one spam complaint."),
]
UPDATED = ("updated", TS, "When the run that last (re)computed this row started (run metadata; the only column that differs between runs).")
def billing_fk():
    return ("billing_id", "bigint", "The `id` of the billing_analytics row of the same tenant and period.")

def counters():
    return [(n, "integer", d) for n, d in FUNNEL]

MARTS = {
    "billing_analytics": dict(
        description="Usage per tenant per billing period. Grain: one row per tenant and billing period (whole months anchored on the tenant's sign-up, day clamped to month end, UTC), from the period containing the sign-up to the one containing the as-of time (or the soft-delete time), zero-usage periods included. Message counts come from int_message_outcomes (send cohort); domains and leads are the tenant's entities created before the period end.",
        grain=["tenant_id", "period_start"],
        columns=[
            ("id", "bigint", "Deterministic key: md5 recipe over (tenant_id, period_start epoch seconds)."),
            ("tenant_id", "text", "The tenant."),
            ("subscription_id", "text", "The subscription with created <= period_start < cancel_date (open ended without a cancel date), the latest created if several; null when none."),
            ("emails_sent", "integer", "Counted campaign messages sent in the period."),
            ("mailboxes_used", "integer", "Distinct mailboxes that sent any counted message (campaign or warmup) in the period."),
            ("domains_used", "integer", "The tenant's domains created before the period end."),
            ("campaigns_used", "integer", "Distinct campaigns that sent counted messages in the period."),
            ("leads_used", "integer", "The tenant's leads created before the period end."),
            ("warmups_active", "integer", "Distinct mailboxes that sent counted warmup messages in the period."),
            ("period_start", TS, "Start of the period (inclusive): the tenant's sign-up plus k months."),
            ("period_end", TS, "End of the period (exclusive): the next boundary."),
            UPDATED,
        ],
    ),
    "campaign_analytics": dict(
        description="Campaign funnel per billing period. Grain: one row per campaign and billing period in which it sent at least one counted message or completed at least one enrolment. Counters count messages of the send cohort (int_message_outcomes); they equal the sum of the campaign's sequence_step_analytics rows for the period. Rates are derived, never stored: open/click/reply rate over delivered, bounce rate over sent.",
        grain=["campaign_id", "billing_id"],
        columns=[("id", "bigint", "Deterministic key: md5 recipe over (campaign_id, period_start epoch seconds)."),
                 ("campaign_id", "text", "The campaign."),
                 ("company_id", "text", "The campaign's company (workspace).")]
        + counters()
        + [("status", "text", "The campaign's current OLTP status, normalised; null when outside the vocabulary (see the quarantine)."),
           ("completed_leads", "integer", "Enrolments of the campaign whose completed time falls in the period."),
           billing_fk(), UPDATED],
    ),
    "mailbox_analytics": dict(
        description="Mailbox sending per billing period. Grain: one row per mailbox and billing period in which it sent counted campaign messages. Counters count campaign messages; health_score and current_volume look at all the mailbox's counted messages in windows ending at least(period_end, as-of).",
        grain=["mailbox_id", "billing_id"],
        columns=[("id", "bigint", "Deterministic key: md5 recipe over (mailbox_id, period_start epoch seconds)."),
                 ("mailbox_id", "text", "The mailbox (email account)."),
                 ("company_id", "text", "The company of the mailbox's domain.")]
        + counters()
        + [("warmup_status", "text", "The mailbox's current warmup status; null when outside the vocabulary."),
           ("health_score", "integer", "100 - least(50, 10 * bounce_pct) - least(50, 100 * spam_pct) over the mailbox's counted messages of all types sent in the 30 days before the window end; exact, rounded half away from zero; 100 with nothing sent."),
           ("current_volume", "integer", "Counted messages of any type the mailbox sent in the 24 hours before the window end."),
           billing_fk(),
           ("campaign_status", "text", "Status of the campaign of the mailbox's latest campaign message in the period; null when outside the vocabulary."),
           UPDATED],
    ),
    "lead_analytics": dict(
        description="Lead engagement per campaign and billing period. Grain: one row per lead, campaign and billing period in which the campaign sent to the lead. No personal data: leads are known by id only.",
        grain=["lead_id", "campaign_id", "billing_id"],
        columns=[("id", "bigint", "Deterministic key: md5 recipe over (lead_id, campaign_id, period_start epoch seconds)."),
                 ("lead_id", "text", "The lead."),
                 ("campaign_id", "text", "The campaign.")]
        + counters()
        + [("status", "text", "The enrolment's current status (campaign_leads vocabulary); null when outside it or not enrolled."),
           billing_fk(), UPDATED],
    ),
    "warmup_analytics": dict(
        description="Mailbox warmup per billing period. Grain: one row per mailbox and billing period in which it sent counted warmup messages. Counters count warmup messages; health_score looks at all the mailbox's counted messages in the 30 days before the window end.",
        grain=["mailbox_id", "billing_id"],
        columns=[("id", "bigint", "Deterministic key: md5 recipe over (mailbox_id, period_start epoch seconds)."),
                 ("mailbox_id", "text", "The mailbox."),
                 ("company_id", "text", "The company of the mailbox's domain.")]
        + counters()
        + [("health_score", "integer", "As in mailbox_analytics: the mailbox's counted messages of all types in the 30-day window."),
           ("progress_percentage", "integer", "0 while pending, 100 once completed, else least(100, floor(100 * whole days from warmup start to the window end / planned days)); 0 without a start or a positive plan."),
           billing_fk(), UPDATED],
    ),
    "sequence_step_analytics": dict(
        description="Sequence step funnel per billing period. Grain: one row per sequence step and billing period in which it sent at least one counted message. The steps of a campaign add up to its campaign_analytics row.",
        grain=["step_id", "billing_id"],
        columns=[("id", "bigint", "Deterministic key: md5 recipe over (step_id, period_start epoch seconds)."),
                 ("step_id", "text", "The sequence step."),
                 ("campaign_id", "text", "The step's campaign."),
                 ("company_id", "text", "The campaign's company.")]
        + counters() + [billing_fk(), UPDATED],
    ),
    "admin_audit_log": dict(
        description="Compliance log of admin actions. Grain: one row per in-scope audit event, deduplicated on the raw id (latest extract wins). Actions are classified by the audit_action_policy seed; out-of-scope (low-risk) actions are excluded; an action missing from the policy is kept as restricted / regulatory (fail safe) and named by a warning test.",
        grain=["id"],
        columns=[
            ("id", "bigint", "Deterministic key: md5 recipe over the raw audit event id."),
            ("creation_time", TS, "When the action happened (the event's created)."),
            ("admin_user_id", "text", "The acting admin."),
            ("action", "text", "The action, normalised (trimmed, lower case)."),
            ("resource_type", "text", "Kind of resource acted on."),
            ("resource_id", "text", "The resource acted on."),
            ("tenant_id", "text", "The tenant concerned."),
            ("old_values", JSON, "Values before the action; null when the raw text is not valid JSON (the quarantine keeps it)."),
            ("new_values", JSON, "Values after the action; null when the raw text is not valid JSON."),
            ("ip_address", "text", "The admin's IP address."),
            ("user_agent", "text", "The admin's browser."),
            ("notes", "text", "Free text."),
            ("metadata", JSON, "Request metadata; null when the raw text is not valid JSON."),
            ("data_classification", "varchar(20)", "From the audit policy: public, internal, confidential or restricted."),
            ("retention_category", "varchar(20)", "From the audit policy: standard, extended, regulatory or legal_hold."),
        ],
    ),
}

COUNTER_NAMES = {n for n, _ in FUNNEL} | {"emails_sent", "mailboxes_used", "domains_used", "campaigns_used", "leads_used", "warmups_active", "completed_leads", "current_volume"}

def column_yaml(mart, name, dtype, desc):
    col = {"name": name, "description": desc, "data_type": dtype}
    tests = []
    constraints = []
    if name == "id":
        constraints = [{"type": "not_null"}, {"type": "primary_key", "warn_unenforced": False}]
        tests = ["unique", "not_null"]
    elif name in COUNTER_NAMES:
        constraints = [{"type": "not_null"}]
        tests = [{"in_range": {"arguments": {"min_value": 0}}}]
    elif name in ("health_score", "progress_percentage"):
        constraints = [{"type": "not_null"}]
        tests = [{"in_range": {"arguments": {"min_value": 0, "max_value": 100}}}]
    elif name in ("tenant_id", "campaign_id", "mailbox_id", "lead_id", "step_id", "period_start", "period_end", "creation_time", "action", "data_classification", "retention_category") and not (mart == "admin_audit_log" and name == "tenant_id"):
        constraints = [{"type": "not_null"}]
    if name == "billing_id":
        tests = [{"relationships": {"arguments": {"to": "ref('billing_analytics')", "field": "id"}}}]
    if name in ("status",) and mart == "campaign_analytics":
        tests = [{"accepted_vocabulary": {"arguments": {"vocabulary": "campaign_status"}}}]
    if name == "status" and mart == "lead_analytics":
        tests = [{"accepted_vocabulary": {"arguments": {"vocabulary": "enrolment_status"}}}]
    if name == "warmup_status":
        tests = [{"accepted_vocabulary": {"arguments": {"vocabulary": "warmup_status"}}}]
    if name == "campaign_status":
        tests = [{"accepted_vocabulary": {"arguments": {"vocabulary": "campaign_status"}}}]
    if name in ("data_classification", "retention_category"):
        tests = [{"accepted_vocabulary": {"arguments": {"vocabulary": name}}}]
    if constraints:
        col["constraints"] = constraints
    if tests:
        col["data_tests"] = tests
    return col

models = []
for mart, spec in MARTS.items():
    m = {"name": mart, "description": spec["description"], "config": {"contract": {"enforced": True}}}
    m["data_tests"] = []
    if len(spec["grain"]) > 1:
        m["data_tests"].append({"unique_combination": {"arguments": {"columns": spec["grain"]}}})
    if any(c[0] == "delivered" for c in spec["columns"]):
        m["data_tests"].append("funnel_is_consistent")
    if not m["data_tests"]:
        del m["data_tests"]
    m["columns"] = [column_yaml(mart, *c) for c in spec["columns"]]
    models.append(m)

out = pathlib.Path(__file__).resolve().parents[1] / "models/marts/_marts__models.yml"
out.write_text(yaml.safe_dump({"version": 2, "models": models}, sort_keys=False, width=110, allow_unicode=True))
print("wrote", out)
