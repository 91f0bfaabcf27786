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
        id,
        tenant_id,
        subscription_id,
        emails_sent,
        mailboxes_used,
        domains_used,
        campaigns_used,
        leads_used,
        warmups_active,
        period_start,
        period_end
    from billing
)

select * from final
