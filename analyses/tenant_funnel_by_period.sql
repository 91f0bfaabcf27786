-- A tenant's campaign funnel, one row per billing period, with the rates derived from the counters.
-- Question: "how did this customer's outreach do, month by month?"
-- Run: dbt compile --select tenant_funnel_by_period --vars '{tenant_id: "<tenant uuid>"}', then run the
-- compiled SQL (target/compiled/.../analyses/). Every period of the tenant shows, zero-activity ones too.
-- Rates are ratios of sums (open, click, reply over delivered; bounce over sent), never stored in a mart.
with

periods as (
    select * from {{ published_ref('billing_analytics') }}
    where tenant_id = '{{ var("tenant_id", "00000000-0000-0000-0000-000000000000") }}'
),

campaigns as (
    select * from {{ published_ref('campaign_analytics') }}
),

period_funnels as (
    select
        periods.id as billing_id,
        periods.period_start,
        periods.period_end,
        count(campaigns.id) as campaigns_active,
        coalesce(sum(campaigns.sent), 0) as sent,
        coalesce(sum(campaigns.delivered), 0) as delivered,
        coalesce(sum(campaigns.opened_tracked), 0) as opened_tracked,
        coalesce(sum(campaigns.clicked_tracked), 0) as clicked_tracked,
        coalesce(sum(campaigns.replied), 0) as replied,
        coalesce(sum(campaigns.bounced), 0) as bounced,
        coalesce(sum(campaigns.unsubscribed), 0) as unsubscribed,
        coalesce(sum(campaigns.spam_complaints), 0) as spam_complaints
    from periods
    left join campaigns
        on periods.id = campaigns.billing_id
    group by periods.id, periods.period_start, periods.period_end
),

final as (
    select
        billing_id,
        period_start,
        period_end,
        campaigns_active,
        sent,
        delivered,
        opened_tracked,
        clicked_tracked,
        replied,
        bounced,
        unsubscribed,
        spam_complaints,
        cast(opened_tracked as numeric) / nullif(delivered, 0) as open_rate,
        cast(clicked_tracked as numeric) / nullif(delivered, 0) as click_rate,
        cast(replied as numeric) / nullif(delivered, 0) as reply_rate,
        cast(bounced as numeric) / nullif(sent, 0) as bounce_rate
    from period_funnels
)

select * from final
order by period_start
