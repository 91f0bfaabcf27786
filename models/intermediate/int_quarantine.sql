{#-
    Everything the build set aside, with a reason (see the bad-input rules): one row per excluded message or event
    (`is_row_kept` false: it counts nowhere), and one per flagged value of a row that is kept
    (`is_row_kept` true: out-of-vocabulary statuses shown as null, malformed JSON shown as null,
    malformed event payloads). Nothing disappears silently: conservation tests balance the raw
    tables against the marts and this model.
-#}
with

messages as (
    select * from {{ ref('int_messages_classified') }}
),

events as (
    select * from {{ ref('int_events_classified') }}
),

audit_events as (
    select * from {{ ref('stg_oltp__admin_audit_events') }}
),

excluded_messages as (
    select
        'email_messages' as source_table,
        message_id as source_id,
        quarantine_reason as reason,
        false as is_row_kept,
        cast(null as {{ dbt.type_string() }}) as raw_value
    from messages
    where quarantine_reason is not null
),

excluded_events as (
    select
        'email_events' as source_table,
        event_id as source_id,
        quarantine_reason as reason,
        false as is_row_kept,
        cast(null as {{ dbt.type_string() }}) as raw_value
    from events
    where quarantine_reason is not null
),

malformed_payloads as (
    select
        'email_events' as source_table,
        event_id as source_id,
        'malformed_payload' as reason,
        true as is_row_kept,
        malformed_payload as raw_value
    from events
    where malformed_payload is not null
),

{%- set audit_json_columns = ['old_values', 'new_values', 'metadata'] %}

malformed_audit_json as (
    {%- for json_column in audit_json_columns %}
        select
            'admin_audit_events' as source_table,
            audit_event_id as source_id,
            'malformed_json: {{ json_column }}' as reason,
            true as is_row_kept,
            {{ json_column }}_text as raw_value
        from audit_events
        where {{ is_malformed_json(json_column ~ '_text') }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

-- Entity values outside their vocabulary: nine checked columns of eight staging models (why this model has
-- more than seven parents: docs/incremental-design.md, what a run rewrites).
out_of_vocabulary as (
    {{ vocabulary_violations(
        ref('stg_oltp__companies'), 'companies', 'company_id', 'company_status', 'company_status'
    ) }}
    union all
    {{ vocabulary_violations(
        ref('stg_oltp__subscriptions'), 'subscriptions', 'subscription_id', 'subscription_status', 'subscription_status'
    ) }}
    union all
    {{ vocabulary_violations(
        ref('stg_oltp__domains'), 'domains', 'domain_id', 'verification_status', 'domain_verification_status'
    ) }}
    union all
    {{ vocabulary_violations(
        ref('stg_oltp__email_accounts'), 'email_accounts', 'mailbox_id', 'mailbox_status', 'mailbox_status'
    ) }}
    union all
    {{ vocabulary_violations(
        ref('stg_oltp__email_accounts'), 'email_accounts', 'mailbox_id', 'warmup_status', 'warmup_status'
    ) }}
    union all
    {{ vocabulary_violations(
        ref('stg_oltp__leads'), 'leads', 'lead_id', 'lead_status', 'lead_status'
    ) }}
    union all
    {{ vocabulary_violations(
        ref('stg_oltp__campaigns'), 'campaigns', 'campaign_id', 'campaign_status', 'campaign_status'
    ) }}
    union all
    {{ vocabulary_violations(
        ref('stg_oltp__campaign_sequence_steps'), 'campaign_sequence_steps', 'step_id', 'step_type', 'step_type'
    ) }}
    union all
    {{ vocabulary_violations(
        ref('stg_oltp__campaign_leads'), 'campaign_leads', 'enrolment_key', 'enrolment_status', 'enrolment_status'
    ) }}
),

final as (
    select * from excluded_messages
    union all
    select * from excluded_events
    union all
    select * from malformed_payloads
    union all
    select * from malformed_audit_json
    union all
    select * from out_of_vocabulary
)

select * from final
