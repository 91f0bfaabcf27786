{#-
    Grain: one row per mailbox and billing period in which it sent counted warmup messages (spec 4).
    Counters are warmup messages; health looks at all the mailbox's counted messages in the 30 days
    before the window end; progress measures the warmup plan at the window end.
-#}
with

messages as (
    select * from {{ ref('int_message_outcomes') }}
    where message_type = 'warmup'
),

scored as (
    select * from {{ ref('int_mailbox_periods_scored') }}
),

mailboxes as (
    select * from {{ ref('int_mailboxes_enriched') }}
),

warmup_totals as (
    select
        mailbox_id,
        billing_id,
        {{ funnel_counters('messages') }}
    from messages
    group by mailbox_id, billing_id
),

final as (
    select
        {{ bigint_key(['warmup_totals.mailbox_id', epoch_seconds('scored.period_start')]) }} as id,
        warmup_totals.mailbox_id,
        mailboxes.company_id,
        {{- funnel_columns('warmup_totals') }},
        scored.health_score,
        {{ warmup_progress(
            'mailboxes.warmup_status', 'mailboxes.warmup_started_at',
            'mailboxes.warmup_planned_days', 'scored.window_end_at'
        ) }} as progress_percentage,
        warmup_totals.billing_id,
        {{ run_started_at_literal() }} as updated
    from warmup_totals
    inner join scored
        on
            warmup_totals.mailbox_id = scored.mailbox_id
            and warmup_totals.billing_id = scored.billing_id
    left join mailboxes
        on warmup_totals.mailbox_id = mailboxes.mailbox_id
)

select * from final
