{{ config(meta={'published_access': 'billing_period'}) }}
{#-
    Grain: one row per mailbox and billing period in which it sent counted campaign messages
    (rules: models/docs/rules_mailbox_metrics.md). Counters are campaign messages; health and
    volume look at all the mailbox’s counted
    messages in the windows ending at least(period_end, as-of).

    Rebuilt whole on every run (docs/incremental-design.md: what a run rewrites).
-#}

with

mailbox_funnels as (
    select * from {{ ref('int_mailbox_period_funnels') }}
    where message_type = 'campaign'
),

campaign_messages as (
    select * from {{ ref('int_message_outcomes') }}
    where message_type = 'campaign'
),

campaigns as (
    select * from {{ ref('stg_oltp__campaigns') }}
),

latest_campaign_messages as (
    -- the campaign of the mailbox's latest campaign message in the period (ties: greatest message id)
    select
        mailbox_id,
        billing_id,
        campaign_id,
        row_number() over (
            partition by mailbox_id, billing_id
            order by sent_at desc, message_id desc
        ) as recency_rank
    from campaign_messages
),

final as (
    select
        {{ bigint_key(['mailbox_funnels.mailbox_id', epoch_seconds('mailbox_funnels.period_start')]) }} as id,
        mailbox_funnels.mailbox_id,
        mailbox_funnels.company_id,
        mailbox_funnels.sent,
        mailbox_funnels.delivered,
        mailbox_funnels.opened_tracked,
        mailbox_funnels.clicked_tracked,
        mailbox_funnels.replied,
        mailbox_funnels.bounced,
        mailbox_funnels.unsubscribed,
        mailbox_funnels.spam_complaints,
        mailbox_funnels.warmup_status,
        mailbox_funnels.health_score,
        mailbox_funnels.current_volume,
        mailbox_funnels.billing_id,
        {{ vocabulary_value('campaigns.campaign_status', 'campaign_status') }} as campaign_status,
        {{ run_started_at_literal() }} as updated
    from mailbox_funnels
    left join latest_campaign_messages
        on
            mailbox_funnels.mailbox_id = latest_campaign_messages.mailbox_id
            and mailbox_funnels.billing_id = latest_campaign_messages.billing_id
            and latest_campaign_messages.recency_rank = 1
    left join campaigns
        on latest_campaign_messages.campaign_id = campaigns.campaign_id
)

select * from final
