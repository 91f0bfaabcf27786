{{ config(meta={'published_access': 'tenant'}) }}
{{
    config(
        pre_hook=[
            "{{ delete_recomputed_rows('message_id in (select changed.message_id from ' ~ ref('int_changed_messages') ~ ' as changed)') }}",
            "{{ delete_recomputed_rows('mailbox_id in (select moved.id from (' ~ mailboxes_with_new_attributes() ~ ') as moved)') }}",
        ],
        **recomputed_by_message(strategy='append')
    )
}}
{#-
    Grain: one row per counted message (campaign and warmup), in the billing period of its send time
    (rules: models/docs/rules_message_funnel.md), with its eight funnel flags as 0/1 integers: every
    counter of the period marts is a sum of these flags, so the semantic layer can group them by send
    day, week or month. The mailbox’s provider and domain are its current ones.

    Incremental: recomputed by message, as the outcomes are: the pre-hooks delete the rows of the changed
    messages (`int_changed_messages`) and of the mailboxes whose provider or domain has a new version, and
    the run appends those rows anew.
-#}
-- depends_on: {{ ref('int_changed_messages') }}, {{ source('oltp', 'email_accounts') }}
{%- set previous = recomputes_changes_since() %}

with

messages as (
    select * from {{ of_changed_messages(ref('int_message_outcomes')) }}
    {%- if previous is not none %}
        union
        select outcomes.*
        from {{ ref('int_message_outcomes') }} as outcomes
        inner join ({{ mailboxes_with_new_attributes() }}) as moved
            on outcomes.mailbox_id = moved.id
    {%- endif %}
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
