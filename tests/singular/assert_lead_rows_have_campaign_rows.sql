-- Each lead_analytics row's campaign has a campaign_analytics row for that period.
select leads.id
from {{ ref('lead_analytics') }} as leads
left join {{ ref('campaign_analytics') }} as campaigns
    on
        leads.campaign_id = campaigns.campaign_id
        and leads.billing_id = campaigns.billing_id
where campaigns.id is null
