{{ config(meta={'published_access': 'billing_period'}) }}
{#-
    Grain: one row per sequence step and billing period in which the step sent at least one counted
    message (rules: models/docs/rules_message_funnel.md). A campaign’s step rows add up to its
    campaign row for the period.

    Rebuilt whole on every run (docs/incremental-design.md: what a run rewrites).
-#}

with

messages as (
    select * from {{ ref('int_message_outcomes') }}
    where message_type = 'campaign'
),

campaigns as (
    select * from {{ ref('stg_oltp__campaigns') }}
),

step_totals as (
    {{ funnel_rollup('messages', ['step_id', 'campaign_id', 'billing_id']) }}
),

final as (
    select
        {{ bigint_key(['step_totals.step_id', epoch_seconds('step_totals.period_start')]) }} as id,
        step_totals.step_id,
        step_totals.campaign_id,
        campaigns.company_id,
        step_totals.sent,
        step_totals.delivered,
        step_totals.opened_tracked,
        step_totals.clicked_tracked,
        step_totals.replied,
        step_totals.bounced,
        step_totals.unsubscribed,
        step_totals.spam_complaints,
        step_totals.billing_id,
        {{ run_started_at_literal() }} as updated
    from step_totals
    left join campaigns
        on step_totals.campaign_id = campaigns.campaign_id
)

select * from final
