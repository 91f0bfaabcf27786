{{ config(materialized='view', grants=reporting_grants()) }}
{#-
    Grain: as warmup_analytics, one row per mailbox and billing period with warmup sends; the base of
    the warmup semantic model. The tenant and the period start come from billing_analytics through
    billing_id.
-#}
with

warmups as (
    select * from {{ published_ref('warmup_analytics') }}
),

billing as (
    select * from {{ published_ref('billing_analytics') }}
),

final as (
    select
        warmups.id,
        warmups.mailbox_id,
        warmups.company_id,
        billing.tenant_id,
        warmups.billing_id,
        billing.period_start,
        warmups.sent,
        warmups.health_score,
        warmups.progress_percentage
    from warmups
    left join billing
        on warmups.billing_id = billing.id
)

select * from final
