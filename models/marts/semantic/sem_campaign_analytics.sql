{{ config(materialized='view', grants=reporting_grants()) }}
{#-
    Grain: as campaign_analytics, one row per campaign and billing period; the base of the campaign
    semantic model. The mart has no time column, so the tenant and the start of the row’s billing
    period come from billing_analytics through billing_id.
-#}
with

campaigns as (
    select * from {{ published_ref('campaign_analytics') }}
),

billing as (
    select * from {{ published_ref('billing_analytics') }}
),

final as (
    select
        campaigns.id,
        campaigns.campaign_id,
        campaigns.company_id,
        billing.tenant_id,
        campaigns.billing_id,
        billing.period_start,
        campaigns.sent,
        campaigns.delivered,
        campaigns.opened_tracked,
        campaigns.clicked_tracked,
        campaigns.replied,
        campaigns.bounced,
        campaigns.unsubscribed,
        campaigns.spam_complaints,
        campaigns.completed_leads,
        campaigns.status
    from campaigns
    left join billing
        on campaigns.billing_id = billing.id
)

select * from final
