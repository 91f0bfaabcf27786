{#-
    The messages whose outcome row can differ from the one stored in `int_message_outcomes` (spec 7),
    as a query of `message_id`s; none on a first, full or rewinding build (everything is computed).

    An outcome depends on the message, its events (through the event summary), the tenant, mailbox,
    campaign, step and lead it references, its billing period (the tenant's anchor) and the as-of
    (a message sent after it is not counted yet; a signal dated after it does not count yet). So a
    message is affected when, since the state's high-water mark less the lookback, it was
    re-extracted, its summary changed, or one of its entities got a new version; or when its send
    time or one of its signal times lies between the previous run's as-of and this one.
-#}
{% macro outcome_affected_messages() -%}
    {%- if not execute or this is none or not is_incremental() or is_rewinding('as_of_at') -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set lower_bound = incremental_lower_bound('state_extracted_at') -%}
    {%- if lower_bound is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set previous = run_query('select max(as_of_at) from ' ~ this).columns[0].values()[0] -%}
    {%- set previous_as_of = timestamp_literal(utc_iso_string(previous)) -%}
    {%- set entity_references = [
        ('stg_oltp__tenants', 'tenant_id'),
        ('stg_oltp__email_accounts', 'mailbox_id'),
        ('stg_oltp__campaigns', 'campaign_id'),
        ('stg_oltp__campaign_sequence_steps', 'step_id'),
        ('stg_oltp__leads', 'lead_id'),
    ] -%}
    {%- set query -%}
        select classified.message_id
        from {{ ref('int_messages_classified') }} as classified
        where
            classified.message_id is not null
            and (
                classified.extracted_at > {{ lower_bound }}
                or (classified.sent_at > {{ previous_as_of }} and classified.sent_at <= {{ as_of() }})
            )
        union
        select summary.message_id
        from {{ ref('int_message_event_summary') }} as summary
        where
            summary.last_extracted_at > {{ lower_bound }}
            {%- for column in event_signal_columns() %}
                or (summary.{{ column }} > {{ previous_as_of }} and summary.{{ column }} <= {{ as_of() }})
            {%- endfor %}
        {%- for entity_model, reference in entity_references %}
            union
            select classified.message_id
            from {{ ref('int_messages_classified') }} as classified
            inner join {{ ref(entity_model) }} as changed
                on classified.{{ reference }} = changed.{{ reference }}
            where classified.message_id is not null and changed.extracted_at > {{ lower_bound }}
        {%- endfor %}
    {%- endset -%}
    {{ return(query) }}
{%- endmacro %}

{#- Pre-hook of int_message_outcomes: the affected messages' rows go, the run appends those that count. -#}
{% macro retire_affected_outcomes() -%}
    {%- set affected = outcome_affected_messages() -%}
    {%- if affected is none -%}
        select 1 as nothing_to_retire
    {%- else -%}
        delete from {{ this }}
        where message_id in ({{ affected }})
    {%- endif -%}
{%- endmacro %}
