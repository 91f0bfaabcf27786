{{
    config(
        grants=mart_grants(),
        post_hook="{{ billing_row_security() }}",
    )
}}
{#-
    Grain: one row per lead, campaign and billing period in which the campaign sent to the lead
    (rules: models/docs/rules_message_funnel.md). No personal data: the lead is known by its id only.
-#}
with

messages as (
    select * from {{ ref('int_message_outcomes') }}
    where message_type = 'campaign'
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
        {{- funnel_columns('lead_totals') }},
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
