{{ config(materialized='view', grants=reporting_grants()) }}
{#-
    Grain: as mailbox_analytics, one row per mailbox and billing period with campaign sends; the base
    of the mailbox semantic model. The tenant and the period start come from billing_analytics through
    billing_id.
-#}
with

mailboxes as (
    select * from {{ published_ref('mailbox_analytics') }}
),

billing as (
    select * from {{ published_ref('billing_analytics') }}
),

final as (
    select
        mailboxes.id,
        mailboxes.mailbox_id,
        mailboxes.company_id,
        billing.tenant_id,
        mailboxes.billing_id,
        billing.period_start,
        mailboxes.sent,
        mailboxes.delivered,
        mailboxes.bounced,
        mailboxes.spam_complaints,
        mailboxes.health_score,
        mailboxes.current_volume,
        mailboxes.warmup_status,
        mailboxes.campaign_status
    from mailboxes
    left join billing
        on mailboxes.billing_id = billing.id
)

select * from final
