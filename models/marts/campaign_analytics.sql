{{ config(meta={'published_access': 'billing_period'}) }}
{#-
    Grain: one row per campaign and billing period in which it sent at least one counted message or
    completed at least one enrolment (rules: models/docs/rules_message_funnel.md). Counters are
    messages of the send cohort; they equal
    the sum of the campaign’s step rows for the period.

    Rebuilt whole on every run (docs/incremental-design.md: what a run rewrites).
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

completed_enrolments as (
    select
        enrolments.campaign_id,
        campaigns.tenant_id,
        enrolments.completed_at
    from enrolments
    inner join campaigns
        on enrolments.campaign_id = campaigns.campaign_id
    where enrolments.completed_at <= {{ as_of() }}
),

completion_periods as (
    {{ with_billing_period('completed_enrolments', 'tenant_id', 'completed_at') }}
),

sent_totals as (
    {{ funnel_rollup('messages', ['campaign_id', 'billing_id']) }}
),

completions as (
    select
        campaign_id,
        billing_id,
        cast(count(*) as integer) as completed_leads,
        min(period_start) as period_start
    from completion_periods
    where billing_id is not null
    group by campaign_id, billing_id
),

campaign_periods as (
    select
        campaign_id,
        billing_id,
        period_start
    from sent_totals
    union
    select
        campaign_id,
        billing_id,
        period_start
    from completions
),

final as (
    select
        {{ bigint_key(['campaign_periods.campaign_id', epoch_seconds('campaign_periods.period_start')]) }} as id,
        campaign_periods.campaign_id,
        campaigns.company_id,
        coalesce(sent_totals.sent, 0) as sent,
        coalesce(sent_totals.delivered, 0) as delivered,
        coalesce(sent_totals.opened_tracked, 0) as opened_tracked,
        coalesce(sent_totals.clicked_tracked, 0) as clicked_tracked,
        coalesce(sent_totals.replied, 0) as replied,
        coalesce(sent_totals.bounced, 0) as bounced,
        coalesce(sent_totals.unsubscribed, 0) as unsubscribed,
        coalesce(sent_totals.spam_complaints, 0) as spam_complaints,
        {{ vocabulary_value('campaigns.campaign_status', 'campaign_status') }} as status,
        coalesce(completions.completed_leads, 0) as completed_leads,
        campaign_periods.billing_id,
        {{ run_started_at_literal() }} as updated
    from campaign_periods
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
