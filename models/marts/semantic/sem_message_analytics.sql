{{ config(materialized='view', grants=reporting_grants()) }}
{#-
    Grain: one row per counted campaign message of the published message_analytics (warmup messages are
    left out: the funnel metrics count campaign messages); the base of the message semantic model, whose
    metric_time is the send time. The campaign’s status comes from the published campaign_analytics row
    of the message’s campaign and billing period (every campaign message has one).
-#}
with

messages as (
    select * from {{ published_ref('message_analytics') }}
    where message_type = 'campaign'
),

campaigns as (
    select * from {{ published_ref('campaign_analytics') }}
),

final as (
    select
        messages.id,
        messages.tenant_id,
        messages.billing_id,
        messages.period_start,
        messages.sent_at,
        messages.campaign_id,
        campaigns.status as campaign_status,
        messages.step_id,
        messages.lead_id,
        messages.mailbox_id,
        messages.mailbox_provider,
        messages.domain_id,
        messages.sent,
        messages.delivered,
        messages.opened_tracked,
        messages.clicked_tracked,
        messages.replied,
        messages.bounced,
        messages.unsubscribed,
        messages.spam_complaints
    from messages
    left join campaigns
        on
            messages.campaign_id = campaigns.campaign_id
            and messages.billing_id = campaigns.billing_id
)

select * from final
