-- Each sequence_step_analytics row has the campaign_analytics row of its campaign and period.
select steps.id
from {{ ref('sequence_step_analytics') }} as steps
left join {{ ref('campaign_analytics') }} as campaigns
    on
        steps.campaign_id = campaigns.campaign_id
        and steps.billing_id = campaigns.billing_id
where campaigns.id is null
