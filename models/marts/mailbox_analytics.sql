{#-
    Grain: one row per mailbox and billing period in which it sent counted campaign messages
    (spec 4). Counters are campaign messages; health and volume look at all the mailbox's counted
    messages in the windows ending at least(period_end, as-of).
-#}
with

messages as (
    select * from {{ ref('int_message_outcomes') }}
    where message_type = 'campaign'
),

scored as (
    select * from {{ ref('int_mailbox_periods_scored') }}
),

mailboxes as (
    select * from {{ ref('int_mailboxes_enriched') }}
),

campaigns as (
    select * from {{ ref('stg_oltp__campaigns') }}
),

mailbox_totals as (
    select
        mailbox_id,
        billing_id,
        {{ funnel_counters('messages') }}
    from messages
    group by mailbox_id, billing_id
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
    from messages
),

final as (
    select
        {{ bigint_key(['mailbox_totals.mailbox_id', epoch_seconds('scored.period_start')]) }} as id,
        mailbox_totals.mailbox_id,
        mailboxes.company_id,
        {{- funnel_columns('mailbox_totals') }},
        mailboxes.warmup_status,
        scored.health_score,
        scored.current_volume,
        mailbox_totals.billing_id,
        {{ vocabulary_value('campaigns.campaign_status', 'campaign_status') }} as campaign_status,
        {{ run_started_at_literal() }} as updated
    from mailbox_totals
    inner join scored
        on
            mailbox_totals.mailbox_id = scored.mailbox_id
            and mailbox_totals.billing_id = scored.billing_id
    left join mailboxes
        on mailbox_totals.mailbox_id = mailboxes.mailbox_id
    left join latest_campaign_messages
        on
            mailbox_totals.mailbox_id = latest_campaign_messages.mailbox_id
            and mailbox_totals.billing_id = latest_campaign_messages.billing_id
            and latest_campaign_messages.recency_rank = 1
    left join campaigns
        on latest_campaign_messages.campaign_id = campaigns.campaign_id
)

select * from final
