{#-
    One row per mailbox, billing period and message type (campaign or warmup) in which the mailbox
    sent: the funnel counters of that type, with the mailbox’s company, warmup state and the window
    metrics of the period (which look at messages of all types). mailbox_analytics reads the campaign
    rows, warmup_analytics the warmup rows.

    Rebuilt whole on every run (docs/incremental-design.md: what a run rewrites).
-#}

with

messages as (
    select * from {{ ref('int_message_outcomes') }}
),

scored as (
    select * from {{ ref('int_mailbox_periods_scored') }}
),

mailboxes as (
    select * from {{ ref('int_mailboxes_enriched') }}
),

type_totals as (
    {{ funnel_rollup('messages', ['mailbox_id', 'billing_id', 'message_type']) }}
),

final as (
    select
        type_totals.mailbox_id,
        type_totals.billing_id,
        type_totals.message_type,
        scored.period_start,
        scored.window_end_at,
        mailboxes.company_id,
        mailboxes.warmup_status,
        mailboxes.warmup_started_at,
        mailboxes.warmup_planned_days,
        type_totals.sent,
        type_totals.delivered,
        type_totals.opened_tracked,
        type_totals.clicked_tracked,
        type_totals.replied,
        type_totals.bounced,
        type_totals.unsubscribed,
        type_totals.spam_complaints,
        scored.health_score,
        scored.current_volume
    from type_totals
    inner join scored
        on
            type_totals.mailbox_id = scored.mailbox_id
            and type_totals.billing_id = scored.billing_id
    left join mailboxes
        on type_totals.mailbox_id = mailboxes.mailbox_id
)

select * from final
