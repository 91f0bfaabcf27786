{#-
    Incremental state that never runs ahead of the as-of (spec 6, 7).

    `incremental_lower_bound(column)`: the extract time from which an incremental run reprocesses
    rows: the latest `column` already in {{ this }} minus var('incremental_lookback_hours'), so
    that an extract landing late, with an older `_extracted_at`, is still picked up (reprocessing is
    idempotent). None on a first or full build, or when rewinding.

    `is_rewinding(column)`: {{ this }} holds rows extracted (or, for `as_of_at`, computed) after the
    as-of (a build at an earlier as-of, for time travel or a backfill); `incremental_lower_bound`
    checks `rewind_column` when the state records its as-of apart from its extract times. The state
    is then rebuilt from scratch: `rewind_incremental_state` (a pre-hook) empties it and the model
    selects everything.
-#}
{% macro is_rewinding(column='extracted_at') -%}
    {%- if not execute or this is none or not is_incremental() -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set query -%}
        select count(*) from {{ this }} where {{ column }} > {{ as_of() }}
    {%- endset -%}
    {{ return(run_query(query).columns[0].values()[0] > 0) }}
{%- endmacro %}

{% macro incremental_lower_bound(column='extracted_at', rewind_column=none) -%}
    {%- if not execute or this is none or not is_incremental() or is_rewinding(rewind_column or column) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set latest = run_query('select max(' ~ column ~ ') from ' ~ this).columns[0].values()[0] -%}
    {%- if latest is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set lower_bound = latest - modules.datetime.timedelta(hours=var('incremental_lookback_hours')) -%}
    {{ return(timestamp_literal(utc_iso_string(lower_bound))) }}
{%- endmacro %}

{#- The high-water mark itself: rows with a null key are only ever taken once, past it. -#}
{% macro incremental_high_water_mark(column='extracted_at') -%}
    {%- set latest = run_query('select max(' ~ column ~ ') from ' ~ this).columns[0].values()[0] -%}
    {{ return(timestamp_literal(utc_iso_string(latest))) }}
{%- endmacro %}

{% macro rewind_incremental_state(column='extracted_at') -%}
    {%- if is_rewinding(column) -%}
        delete from {{ this }}
    {%- else -%}
        select 1 as nothing_to_rewind
    {%- endif -%}
{%- endmacro %}

{#-
    Pre-hook of an append-only "first copy wins" model (the staged events): a copy that lands late,
    inside the lookback, with an earlier `_extracted_at` (or the same, received earlier) than the copy
    already staged for its id, outranks it; the staged row is deleted so that the run appends the
    winner, as a full rebuild would choose it. Copies older than the lookback are out of reach by
    design (var('incremental_lookback_hours')).
-#}
{% macro retire_outranked_first_copies(source_relation, source_key, staged_key) -%}
    {%- set lower_bound = incremental_lower_bound() -%}
    {%- if lower_bound is none -%}
        select 1 as nothing_to_retire
    {%- else -%}
        delete from {{ this }} as staged
        where exists (
            select 1
            from {{ source_relation }} as late_copy
            where
                cast(late_copy.{{ source_key }} as {{ dbt.type_string() }}) = staged.{{ staged_key }}
                and late_copy._extracted_at > {{ lower_bound }}
                and late_copy._extracted_at <= {{ as_of() }}
                and (
                    late_copy._extracted_at < staged.extracted_at
                    or (
                        late_copy._extracted_at = staged.extracted_at
                        and cast(late_copy.received_at as {{ type_timestamp_tz() }})
                        < coalesce(staged.received_at, {{ timestamp_literal('9999-12-31T00:00:00+00:00') }})
                    )
                )
        )
    {%- endif -%}
{%- endmacro %}

{#-
    Pre-hook of an incremental model keyed by a column that can be null (delete+insert cannot replace
    such rows): an incremental run deletes them and selects them all again. They are the few
    quarantined rows with a null key, so this stays cheap.
-#}
{% macro retire_unkeyed_rows(key) -%}
    {%- if execute and this is not none and is_incremental() -%}
        delete from {{ this }} where {{ key }} is null
    {%- else -%}
        select 1 as nothing_to_retire
    {%- endif -%}
{%- endmacro %}

{#- The messages with a copy or an event extracted after `lower_bound` (both relations have `message_id`, `extracted_at`). -#}
{% macro messages_extracted_since(events_relation, messages_relation, lower_bound) -%}
    select message_id from {{ events_relation }}
    where message_id is not null and extracted_at > {{ lower_bound }}
    union
    select message_id from {{ messages_relation }}
    where message_id is not null and extracted_at > {{ lower_bound }}
{%- endmacro %}

{#-
    The configuration shared by the classification models: incremental, delete+insert by message id
    (a run replaces every row of the messages it reclassifies), rebuilt when the as-of goes back,
    their null-id rows reclassified on every run.
-#}
{% macro reclassified_by_message() -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert',
        'unique_key': 'message_id',
        'on_schema_change': 'fail',
        'pre_hook': [
            "{{ rewind_incremental_state('as_of_at') }}",
            "{{ retire_unkeyed_rows('message_id') }}",
        ],
    }) }}
{%- endmacro %}

{#-
    The rows a classification model recomputes: on an incremental run, those of the messages in its
    `affected_messages` CTE and those with a null message id; on a full build, all.
-#}
{% macro rows_of_affected_messages(relation, lower_bound) -%}
    select * from {{ relation }}
    {%- if lower_bound is not none %}
        where message_id is null or message_id in (select message_id from affected_messages)
    {%- endif %}
{%- endmacro %}
