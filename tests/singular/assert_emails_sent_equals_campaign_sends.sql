-- A tenant's emails_sent equals its campaigns' sends in the period (docs: rules_message_funnel).
with

campaign_sends as (
    select
        billing_id,
        sum(sent) as sent
    from {{ ref('campaign_analytics') }}
    group by billing_id
)

select billing.id
from {{ ref('billing_analytics') }} as billing
left join campaign_sends
    on billing.id = campaign_sends.billing_id
where billing.emails_sent != coalesce(campaign_sends.sent, 0)
