-- The mailboxes in the worst sending health, as of their latest billing period.
-- Question: "which mailboxes should we pause or re-warm before they hurt deliverability?"
-- health_score is 0 to 100 over the mailbox's last 30 days (bounces and spam complaints cost points);
-- current_volume is what it sent in the last 24 hours. Ties: the busier mailbox first.
-- Optional: --vars '{mailbox_limit: 50}' (default 20).
with

mailboxes as (
    select * from {{ published_ref('mailbox_analytics') }}
),

periods as (
    select * from {{ published_ref('billing_analytics') }}
),

latest_rows as (
    select
        periods.tenant_id,
        mailboxes.mailbox_id,
        mailboxes.company_id,
        periods.period_start,
        mailboxes.health_score,
        mailboxes.current_volume,
        mailboxes.sent,
        mailboxes.bounced,
        mailboxes.spam_complaints,
        mailboxes.warmup_status,
        row_number() over (
            partition by mailboxes.mailbox_id
            order by periods.period_start desc
        ) as recency_rank
    from mailboxes
    inner join periods
        on mailboxes.billing_id = periods.id
),

final as (
    select
        tenant_id,
        mailbox_id,
        company_id,
        period_start,
        health_score,
        current_volume,
        sent,
        bounced,
        spam_complaints,
        warmup_status
    from latest_rows
    where recency_rank = 1
)

select * from final
order by health_score asc, current_volume desc, mailbox_id asc
limit {{ var('mailbox_limit', 20) }}
