{{
    config(
        grants=mart_grants(),
        post_hook="{{ billing_row_security() }}",
        **recomputed_by_billing_period(['messages', 'attributes', 'window'])
    )
}}
{#-
    Grain: one row per mailbox and billing period in which it sent counted warmup messages (spec 4).
    Counters are warmup messages; health looks at all the mailbox's counted messages in the 30 days
    before the window end; progress measures the warmup plan at the window end.

    Incremental: recomputed by billing period (`messages`, `attributes` and `window` changes).
-#}
-- depends_on: {{ ref('int_touched_periods') }}
{%- set touched_only = recomputes_touched_periods_only() %}

with

mailbox_funnels as (
    select * from {{ ref('int_mailbox_period_funnels') }}
    where
        {%- if touched_only %}
            {{ in_touched_periods() }} and
        {%- endif %}
        message_type = 'warmup'
),

final as (
    select
        {{ bigint_key(['mailbox_id', epoch_seconds('period_start')]) }} as id,
        mailbox_id,
        company_id,
        mailbox_funnels.sent,
        mailbox_funnels.delivered,
        mailbox_funnels.opened_tracked,
        mailbox_funnels.clicked_tracked,
        mailbox_funnels.replied,
        mailbox_funnels.bounced,
        mailbox_funnels.unsubscribed,
        mailbox_funnels.spam_complaints,
        health_score,
        {{ warmup_progress('warmup_status', 'warmup_started_at', 'warmup_planned_days', 'window_end_at') }}
            as progress_percentage,
        billing_id,
        {{ run_started_at_literal() }} as updated
    from mailbox_funnels
)

select * from final
