{#-
    One row per staged mailbox with its company (the company of its sending domain, see the mart rules) and its
    current warmup status, null when outside the vocabulary.
-#}
with

mailboxes as (
    select * from {{ ref('stg_oltp__email_accounts') }}
),

domains as (
    select * from {{ ref('stg_oltp__domains') }}
),

final as (
    select
        mailboxes.mailbox_id,
        mailboxes.tenant_id,
        mailboxes.domain_id,
        domains.company_id,
        {{ vocabulary_value('mailboxes.warmup_status', 'warmup_status') }} as warmup_status,
        mailboxes.warmup_started_at,
        mailboxes.warmup_planned_days
    from mailboxes
    left join domains
        on mailboxes.domain_id = domains.domain_id
)

select * from final
