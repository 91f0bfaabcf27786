-- Campaign rows equal the sum of their step rows for the same period (docs: rules_message_funnel).
with

campaigns as (
    select * from {{ ref('campaign_analytics') }}
),

step_sums as (
    select
        campaign_id,
        billing_id,
        {%- for counter in funnel_counter_names() %}
            sum({{ counter }}) as {{ counter }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ ref('sequence_step_analytics') }}
    group by campaign_id, billing_id
)

select
    coalesce(campaigns.campaign_id, step_sums.campaign_id) as campaign_id,
    coalesce(campaigns.billing_id, step_sums.billing_id) as billing_id
from campaigns
full outer join step_sums
    on
        campaigns.campaign_id = step_sums.campaign_id
        and campaigns.billing_id = step_sums.billing_id
where
    {%- for counter in funnel_counter_names() %}
        coalesce(campaigns.{{ counter }}, 0) != coalesce(step_sums.{{ counter }}, 0)
        {%- if not loop.last %} or{% endif %}
    {%- endfor %}
