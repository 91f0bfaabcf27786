-- Campaigns ranked by reply rate over their whole life (all billing periods summed).
-- Question: "which campaigns get answers?"
-- Reply rate = replied / delivered, as a ratio of sums (never an average of monthly rates). Campaigns
-- with fewer than min_delivered delivered messages are left out, their rate being noise.
-- Optional: --vars '{min_delivered: 500}' (default 100).
with

campaigns as (
    select * from {{ published_ref('campaign_analytics') }}
),

periods as (
    select * from {{ published_ref('billing_analytics') }}
),

campaign_totals as (
    select
        periods.tenant_id,
        campaigns.campaign_id,
        min(periods.period_start) as first_period_start,
        max(periods.period_start) as last_period_start,
        sum(campaigns.sent) as sent,
        sum(campaigns.delivered) as delivered,
        sum(campaigns.replied) as replied,
        sum(campaigns.bounced) as bounced
    from campaigns
    inner join periods
        on campaigns.billing_id = periods.id
    group by periods.tenant_id, campaigns.campaign_id
),

final as (
    select
        tenant_id,
        campaign_id,
        first_period_start,
        last_period_start,
        sent,
        delivered,
        replied,
        bounced,
        cast(replied as numeric) / nullif(delivered, 0) as reply_rate,
        cast(bounced as numeric) / nullif(sent, 0) as bounce_rate
    from campaign_totals
    where delivered >= {{ var('min_delivered', 100) }}
)

select * from final
order by reply_rate desc, delivered desc, campaign_id asc
