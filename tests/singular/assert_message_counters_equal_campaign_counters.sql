-- The campaign messages of message_analytics, summed per campaign and billing period, equal the counters of
-- campaign_analytics (docs: rules_message_funnel): the message-grain fact and the period marts count the same.
with

campaigns as (
    select * from {{ ref('campaign_analytics') }}
),

message_sums as (
    select
        campaign_id,
        billing_id,
        {%- for counter in funnel_counter_names() %}
            sum({{ counter }}) as {{ counter }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ ref('message_analytics') }}
    where message_type = 'campaign'
    group by campaign_id, billing_id
)

select
    coalesce(campaigns.campaign_id, message_sums.campaign_id) as campaign_id,
    coalesce(campaigns.billing_id, message_sums.billing_id) as billing_id
from campaigns
full outer join message_sums
    on
        campaigns.campaign_id = message_sums.campaign_id
        and campaigns.billing_id = message_sums.billing_id
where
    {%- for counter in funnel_counter_names() %}
        coalesce(campaigns.{{ counter }}, 0) != coalesce(message_sums.{{ counter }}, 0)
        {%- if not loop.last %} or{% endif %}
    {%- endfor %}
