{{
    config(
        pre_hook="{{ delete_recomputed_rows('message_id is null') }}",
        **recomputed_by_message('message_id')
    )
}}
{#-
    Every staged message, in the billing period of its send time (null when it has none), with the
    reason it is quarantined, or null when it counts (see the bad-input rules). The first failing
    rule names the reason, in the order the rules list them.

    Incremental: recomputed by message (`int_changed_messages`; messages with a null id, which no key
    can replace, are reclassified on every run). A row keeps what it was at the last completed run
    (`*_before`): `lead_analytics` recomputes its keys from where a changed message counted before and
    where it counts now.
-#}
-- depends_on: {{ ref('int_changed_messages') }}
{%- set previous = recomputes_changes_since() %}

with

messages as (
    select * from {{ of_changed_messages(ref('stg_oltp__email_messages')) }}
    {%- if previous is not none %}
        union all
        select * from {{ ref('stg_oltp__email_messages') }}
        where message_id is null
    {%- endif %}
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
    from placed_messages as messages
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
),

{%- if previous is none %}

    final as (
    -- recomputing everything: what each message was before is unknown (lead_analytics recomputes all)
        select
            *,
            cast(null as boolean) as counted_before,
            cast(null as {{ dbt.type_bigint() }}) as billing_id_before,
            cast(null as {{ dbt.type_string() }}) as campaign_id_before,
            cast(null as {{ dbt.type_string() }}) as lead_id_before,
            {{ run_started_at_literal() }} as recomputed_at
        from classified
    )

{%- else %}

final as (
    -- a row rewritten again before a run completed keeps what it was at the last completed run
    select
        classified.*,
        case
            when stored.recomputed_at > {{ previous['started_at'] }} then stored.counted_before
            else coalesce(stored.quarantine_reason is null and stored.message_id is not null, false)
        end as counted_before,
        case
            when stored.recomputed_at > {{ previous['started_at'] }} then stored.billing_id_before
            else stored.billing_id
        end as billing_id_before,
        case
            when stored.recomputed_at > {{ previous['started_at'] }} then stored.campaign_id_before
            else stored.campaign_id
        end as campaign_id_before,
        case
            when stored.recomputed_at > {{ previous['started_at'] }} then stored.lead_id_before
            else stored.lead_id
        end as lead_id_before,
        {{ run_started_at_literal() }} as recomputed_at
    from classified
    left join {{ this }} as stored
        on classified.message_id = stored.message_id
)

{%- endif %}

select * from final
