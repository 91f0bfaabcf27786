{{ config(materialized='view', grants=reporting_grants()) }}
{#-
    Grain: as lead_analytics, one row per lead, campaign and billing period in which the campaign sent to
    the lead; the base of the lead semantic model. The tenant and the period start come from
    billing_analytics through billing_id.
-#}
with

leads as (
    select * from {{ published_ref('lead_analytics') }}
),

billing as (
    select * from {{ published_ref('billing_analytics') }}
),

final as (
    select
        leads.id,
        leads.lead_id,
        leads.campaign_id,
        billing.tenant_id,
        leads.billing_id,
        billing.period_start,
        leads.sent,
        leads.delivered,
        leads.replied,
        leads.bounced,
        leads.status
    from leads
    left join billing
        on leads.billing_id = billing.id
)

select * from final
