{{ config(**reclassified_by_message()) }}
{#-
    Every staged message with the reason it is quarantined, or null when it counts (spec 8). The
    first failing rule names the reason, in the order the spec lists them.

    Incremental (spec 7): a run reclassifies only the messages whose reason can have changed since
    the state was computed: those re-extracted since its high-water mark (less the lookback), every
    message quarantined so far (a missing entity may have arrived, a future send time may have
    passed the as-of; they are few), the counted messages of a tenant with a new version that now
    fails a tenant rule, and the counted campaign messages of a step with a new version that now
    belongs to another campaign (entities never disappear from staging, so no other rule can start
    failing). Messages with a null id are all reclassified on every run. A build at an earlier
    as-of than the state rebuilds it from scratch.
-#}
{%- set lower_bound = incremental_lower_bound('extracted_at', rewind_column='as_of_at') %}

{#- The affected set reads the relations, not the CTEs: DuckDB materialises a CTE read twice. #}

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

{%- if lower_bound is not none %}

    affected_messages as (
        select message_id from {{ ref('stg_oltp__email_messages') }}
        where message_id is not null and extracted_at > {{ lower_bound }}
        union
        select stored.message_id
        from {{ this }} as stored
        left join {{ ref('stg_oltp__tenants') }} as changed_tenants
            on
                stored.tenant_id = changed_tenants.tenant_id
                and changed_tenants.extracted_at > {{ lower_bound }}
        left join {{ ref('stg_oltp__campaign_sequence_steps') }} as changed_steps
            on
                stored.step_id = changed_steps.step_id
                and changed_steps.extracted_at > {{ lower_bound }}
        where
            stored.quarantine_reason is not null
            or (changed_tenants.tenant_id is not null and changed_tenants.created_at is null)
            or stored.sent_at < changed_tenants.created_at
            or stored.sent_at > changed_tenants.deleted_at
            or (stored.message_type = 'campaign' and changed_steps.campaign_id <> stored.campaign_id)
    ),
{%- endif %}

scoped_messages as (
    {{ rows_of_affected_messages('messages', lower_bound) }}
),

classified as (
    select
        messages.message_id,
        messages.tenant_id,
        messages.message_type,
        messages.campaign_id,
        messages.step_id,
        messages.lead_id,
        messages.mailbox_id,
        messages.sent_at,
        messages.extracted_at,
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
            when tenants.created_at is null then 'tenant_without_sign_up'
            when messages.sent_at < tenants.created_at then 'before_tenant_created'
            when messages.sent_at > tenants.deleted_at then 'after_tenant_deleted'
        end as quarantine_reason,
        {{ as_of() }} as as_of_at,
        {{ run_started_at_literal() }} as classified_at
    from scoped_messages as messages
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
