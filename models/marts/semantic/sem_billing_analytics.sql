{{ config(materialized='view', grants=reporting_grants()) }}
{#-
    Grain: as billing_analytics, one row per tenant and billing period; the base of the billing semantic
    model, so that MetricFlow reads the published billing_analytics (in analytics), not its build table.
-#}
with

billing as (
    select * from {{ published_ref('billing_analytics') }}
),

final as (
    select
        billing.id,
        billing.tenant_id,
        billing.subscription_id,
        billing.emails_sent,
        billing.mailboxes_used,
        billing.domains_used,
        billing.campaigns_used,
        billing.leads_used,
        billing.warmups_active,
        billing.period_start,
        billing.period_end
    from billing
)

select * from final
