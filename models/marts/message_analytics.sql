{{ config(materialized='table', meta={'published_access': 'tenant'}) }}
{#-
    Grain: one row per counted message (campaign and warmup), in the billing period of its send time
    (rules: models/docs/rules_message_funnel.md), with its eight funnel flags as 0/1 integers: every
    counter of the period marts is a sum of these flags, so the semantic layer can group them by send
    day, week or month. The mailbox's provider and domain are its current ones.

    A table rebuilt from int_message_outcomes on every run (the message-grain recompute of the
    incremental design will make it incremental by message).
-#}

with

messages as (
    select * from {{ ref('int_message_outcomes') }}
),

mailboxes as (
    select * from {{ ref('stg_oltp__email_accounts') }}
),

final as (
    select
        {{ bigint_key(['messages.message_id']) }} as id,
        messages.message_id,
        messages.tenant_id,
        messages.billing_id,
        messages.period_start,
        messages.sent_at,
        messages.message_type,
        messages.campaign_id,
        messages.step_id,
        messages.lead_id,
        messages.mailbox_id,
        mailboxes.provider as mailbox_provider,
        mailboxes.domain_id,
        cast(1 as integer) as sent,
        {{ message_flag('messages.is_delivered') }} as delivered,
        {{ message_flag('messages.is_opened_tracked') }} as opened_tracked,
        {{ message_flag('messages.is_clicked_tracked') }} as clicked_tracked,
        {{ message_flag('messages.is_replied') }} as replied,
        {{ message_flag('messages.is_bounced') }} as bounced,
        {{ message_flag('messages.is_unsubscribed') }} as unsubscribed,
        {{ message_flag('messages.is_spam_complaint') }} as spam_complaints,
        {{ run_started_at_literal() }} as updated
    from messages
    left join mailboxes
        on messages.mailbox_id = mailboxes.mailbox_id
)

select * from final
