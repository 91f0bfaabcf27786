{{ config(materialized='view', grants=reporting_grants()) }}
{#-
    Grain: as sequence_step_analytics, one row per sequence step and billing period; the base of the
    step semantic model. The tenant and the period start come from billing_analytics through billing_id.
-#}
with

steps as (
    select * from {{ published_ref('sequence_step_analytics') }}
),

billing as (
    select * from {{ published_ref('billing_analytics') }}
),

final as (
    select
        steps.id,
        steps.step_id,
        steps.campaign_id,
        steps.company_id,
        billing.tenant_id,
        steps.billing_id,
        billing.period_start,
        steps.sent,
        steps.delivered,
        steps.opened_tracked,
        steps.clicked_tracked,
        steps.replied
    from steps
    left join billing
        on steps.billing_id = billing.id
)

select * from final
