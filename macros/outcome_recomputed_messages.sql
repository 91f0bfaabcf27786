{#-
    The messages whose outcome row `int_message_outcomes` recomputes (spec 7), as a query of
    `message_id`s; none on a first, full or rewinding build (everything is computed).

    An outcome depends on the message and its classification, its events (through the event
    summary), its billing period (the tenant's anchor) and the as-of (a signal dated after it does
    not count yet). So a message is recomputed when, since the state's high-water mark less the
    lookback, it was re-extracted, its summary changed or its tenant got a new version; when one of
    its signal times lies between the previous run's as-of and this one; or when it was reclassified
    by a run later than the one that computed the state (a message that newly counts: an entity
    arrived, its send time passed the as-of; a run killed between the two models included). This
    query never reads {{ this }}: the model selects the same set after the pre-hook has deleted it.
-#}
{% macro outcome_recomputed_messages() -%}
    {%- if not execute or this is none or not is_incremental() or is_rewinding('as_of_at') -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set lower_bound = incremental_lower_bound('state_extracted_at') -%}
    {%- if lower_bound is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set previous = run_query('select max(as_of_at), max(computed_at) from ' ~ this).rows[0] -%}
    {%- set previous_as_of = timestamp_literal(utc_iso_string(previous[0])) -%}
    {%- set previous_run = timestamp_literal(utc_iso_string(previous[1])) -%}
    {%- set query -%}
        select message_id
        from {{ ref('int_messages_classified') }}
        where
            message_id is not null
            and (
                extracted_at > {{ lower_bound }}
                or classified_at > {{ previous_run }}
                or tenant_id in (
                    select tenant_id from {{ ref('stg_oltp__tenants') }}
                    where extracted_at > {{ lower_bound }}
                )
            )
        union
        select summary.message_id
        from {{ ref('int_message_event_summary') }} as summary
        where
            summary.last_extracted_at > {{ lower_bound }}
            {%- for column in event_signal_columns() %}
                or (summary.{{ column }} > {{ previous_as_of }} and summary.{{ column }} <= {{ as_of() }})
            {%- endfor %}

    {%- endset -%}
    {{ return(query) }}
{%- endmacro %}

{#-
    Pre-hook of int_message_outcomes: deletes the rows of the recomputed messages, and of those the
    classification quarantines now (a tenant deleted, a step moved), before the run appends the
    recomputed messages that count.
-#}
{% macro retire_affected_outcomes() -%}
    {%- set recomputed = outcome_recomputed_messages() -%}
    {%- if recomputed is none -%}
        select 1 as nothing_to_retire
    {%- else -%}
        delete from {{ this }}
        where
            message_id in ({{ recomputed }})
            or message_id in (
                select message_id from {{ ref('int_messages_classified') }}
                where quarantine_reason is not null
            )
    {%- endif -%}
{%- endmacro %}
