{{
    config(
        grants=mart_grants(),
        post_hook="{{ billing_row_security() }}",
    )
}}
{#-
    Grain: one row per campaign and billing period in which it sent at least one counted message or
    completed at least one enrolment (rules: models/docs/rules_message_funnel.md). Counters are
    messages of the send cohort; they equal
    the sum of the campaign's step rows for the period.
-#}
with

messages as (
    select * from {{ ref('int_message_outcomes') }}
    where message_type = 'campaign'
),

campaigns as (
    select * from {{ ref('stg_oltp__campaigns') }}
),

enrolments as (
    select * from {{ ref('stg_oltp__campaign_leads') }}
),

periods as (
    select * from {{ ref('int_billing_periods') }}
),

sent_totals as (
    {{ funnel_rollup('messages', ['campaign_id', 'billing_id']) }}
),

completions as (
    select
        enrolments.campaign_id,
        periods.billing_id,
        cast(count(*) as integer) as completed_leads
    from enrolments
    inner join campaigns
        on enrolments.campaign_id = campaigns.campaign_id
    inner join periods
        on
            campaigns.tenant_id = periods.tenant_id
            and enrolments.completed_at >= periods.period_start
            and enrolments.completed_at < periods.period_end
    where enrolments.completed_at <= {{ as_of() }}
    group by enrolments.campaign_id, periods.billing_id
),

campaign_periods as (
    select
        campaign_id,
        billing_id
    from sent_totals
    union
    select
        campaign_id,
        billing_id
    from completions
),

final as (
    select
        {{ bigint_key(['campaign_periods.campaign_id', epoch_seconds('periods.period_start')]) }} as id,
        campaign_periods.campaign_id,
        campaigns.company_id,
        {%- for counter in funnel_counter_names() %}
            coalesce(sent_totals.{{ counter }}, 0) as {{ counter }},
        {%- endfor %}
        {{ vocabulary_value('campaigns.campaign_status', 'campaign_status') }} as status,
        coalesce(completions.completed_leads, 0) as completed_leads,
        campaign_periods.billing_id,
        {{ run_started_at_literal() }} as updated
    from campaign_periods
    inner join periods
        on campaign_periods.billing_id = periods.billing_id
    left join campaigns
        on campaign_periods.campaign_id = campaigns.campaign_id
    left join sent_totals
        on
            campaign_periods.campaign_id = sent_totals.campaign_id
            and campaign_periods.billing_id = sent_totals.billing_id
    left join completions
        on
            campaign_periods.campaign_id = completions.campaign_id
            and campaign_periods.billing_id = completions.billing_id
)

select * from final
