{{ config(meta={'published_access': 'billing_period'}) }}
{#-
    Grain: one row per mailbox and billing period in which it sent counted warmup messages
    (rules: models/docs/rules_mailbox_metrics.md).
    Counters are warmup messages; health looks at all the mailbox’s counted messages in the 30 days
    before the window end; progress measures the warmup plan at the window end.

    Rebuilt whole on every run (docs/incremental-design.md: what a run rewrites).
-#}

with

mailbox_funnels as (
    select * from {{ ref('int_mailbox_period_funnels') }}
    where message_type = 'warmup'
),

final as (
    select
        {{ bigint_key(['mailbox_id', epoch_seconds('period_start')]) }} as id,
        mailbox_id,
        company_id,
        sent,
        delivered,
        opened_tracked,
        clicked_tracked,
        replied,
        bounced,
        unsubscribed,
        spam_complaints,
        health_score,
        {{ warmup_progress('warmup_status', 'warmup_started_at', 'warmup_planned_days', 'window_end_at') }}
            as progress_percentage,
        billing_id,
        {{ run_started_at_literal() }} as updated
    from mailbox_funnels
)

select * from final
