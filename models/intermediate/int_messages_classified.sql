{{ config(**recomputed_by_billing_period(['messages'])) }}
{#-
    Every staged message, in the billing period of its send time (null when it has none), with the
    reason it is quarantined, or null when it counts (see the bad-input rules). The first failing
    rule names the reason, in the order the rules list them. A quarantined message keeps its period
    when it has one, so that a run can find it again when what it waited for arrives.

    Incremental: recomputed by billing period (`messages` changes); messages of no period are
    reclassified on every run.
-#}
-- depends_on: {{ ref('int_touched_periods') }}

with

messages as (
    select * from {{ ref('stg_oltp__email_messages') }}
),

tenants as (
    select * from {{ ref('stg_oltp__tenants') }}
),

mailboxes as (
    select * from {{ ref('stg_oltp__email_accounts') }}
),

campaigns as (
    select * from {{ ref('stg_oltp__campaigns') }}
),

steps as (
    select * from {{ ref('stg_oltp__campaign_sequence_steps') }}
),

leads as (
    select * from {{ ref('stg_oltp__leads') }}
),

placed_messages as (
    {{ with_billing_period('messages', 'tenant_id', 'sent_at') }}
),

recomputed_messages as (
    select * from placed_messages
    where billing_id is null or {{ in_touched_periods() }}
),

classified as (
    select
        messages.message_id,
        messages.tenant_id,
        messages.billing_id,
        messages.message_type,
        messages.campaign_id,
        messages.step_id,
        messages.lead_id,
        messages.mailbox_id,
        messages.sent_at,
        case
            when messages.message_id is null then 'null_message_id'
            when {{ vocabulary_value('messages.message_type', 'message_type') }} is null
                then 'unknown_message_type'
            when tenants.tenant_id is null then 'unknown_tenant'
            when mailboxes.mailbox_id is null then 'unknown_mailbox'
            when messages.message_type = 'campaign' and campaigns.campaign_id is null then 'missing_campaign'
            when messages.message_type = 'campaign' and steps.step_id is null then 'missing_step'
            when messages.message_type = 'campaign' and leads.lead_id is null then 'missing_lead'
            when messages.message_type = 'campaign' and steps.campaign_id <> messages.campaign_id
                then 'step_of_another_campaign'
            when messages.sent_at is null then 'null_sent_at'
            when messages.sent_at > {{ as_of() }} then 'future_sent_at'
            when not {{ has_usable_billing_anchor('tenants.created_at') }} then 'tenant_without_sign_up'
            when messages.sent_at < tenants.created_at then 'before_tenant_created'
            when messages.sent_at > tenants.deleted_at then 'after_tenant_deleted'
        end as quarantine_reason
    from recomputed_messages as messages
    left join tenants
        on messages.tenant_id = tenants.tenant_id
    left join mailboxes
        on messages.mailbox_id = mailboxes.mailbox_id
    left join campaigns
        on messages.campaign_id = campaigns.campaign_id
    left join steps
        on messages.step_id = steps.step_id
    left join leads
        on messages.lead_id = leads.lead_id
)

select * from classified
