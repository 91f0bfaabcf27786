{{
    config(
        grants=mart_grants(),
        post_hook="{{ billing_row_security() }}",
    )
}}
{#-
    Grain: one row per sequence step and billing period in which the step sent at least one counted
    message (rules: models/docs/rules_message_funnel.md). A campaign's step rows add up to its
    campaign row for the period.
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
        {{- funnel_columns('step_totals') }},
        step_totals.billing_id,
        {{ run_started_at_literal() }} as updated
    from step_totals
    left join campaigns
        on step_totals.campaign_id = campaigns.campaign_id
)

select * from final
