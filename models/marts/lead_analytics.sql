{{ config(meta={'published_access': 'billing_period'}) }}
{{
    config(
        **recomputed_by_billing_period(['messages', 'attributes'])
    )
}}
{#-
    Grain: one row per lead, campaign and billing period in which the campaign sent to the lead
    (rules: models/docs/rules_message_funnel.md). No personal data: the lead is known by its id only.

    Incremental: recomputed by billing period (`messages` and `attributes` changes).
-#}
-- depends_on: {{ ref('int_touched_periods') }}

with

messages as (
    select * from {{ ref('int_message_outcomes') }}
    where message_type = 'campaign' and {{ in_touched_periods() }}
),

enrolments as (
    select * from {{ ref('stg_oltp__campaign_leads') }}
),

lead_totals as (
    {{ funnel_rollup('messages', ['lead_id', 'campaign_id', 'billing_id']) }}
),

final as (
    select
        {{ bigint_key(['lead_totals.lead_id', 'lead_totals.campaign_id', epoch_seconds('lead_totals.period_start')]) }}
            as id,
        lead_totals.lead_id,
        lead_totals.campaign_id,
        lead_totals.sent,
        lead_totals.delivered,
        lead_totals.opened_tracked,
        lead_totals.clicked_tracked,
        lead_totals.replied,
        lead_totals.bounced,
        lead_totals.unsubscribed,
        lead_totals.spam_complaints,
        {{ vocabulary_value('enrolments.enrolment_status', 'enrolment_status') }} as status,
        lead_totals.billing_id,
        {{ run_started_at_literal() }} as updated
    from lead_totals
    left join enrolments
        on
            lead_totals.campaign_id = enrolments.campaign_id
            and lead_totals.lead_id = enrolments.lead_id
)

select * from final
