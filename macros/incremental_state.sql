{#-
    Incremental state that never runs ahead of the as-of (see the time rules and the incremental design).

    `incremental_lower_bound(column)`: the extract time from which an incremental staging run
    reprocesses rows: the last completed run's as-of (the run log) minus
    var('incremental_lookback_hours'), so that an extract landing late, with an older
    `_extracted_at`, is still picked up (reprocessing is idempotent); the same bound from which
    `int_touched_periods` looks for changes. Without a completed run, the latest `column` already
    in {{ this }} less the lookback. None on a first or full build, or when rewinding.

    `is_rewinding(column)`: {{ this }} holds rows extracted after the as-of (a build at an earlier
    as-of, for time travel or a backfill). The state is then rebuilt from scratch:
    `rewind_incremental_state` (a pre-hook) empties it and the model selects everything.
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

{% macro incremental_lower_bound(column='extracted_at') -%}
    {%- if not execute or this is none or not is_incremental() or is_rewinding(column) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set previous = previous_completed_run() -%}
    {%- if previous is not none -%}
        {{ return(previous['changes_since']) }}
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
    The materialization of the staged messages and events: incremental (a lookback over the extracts) where the
    engine can delete the rows a re-extract replaces; a table rebuilt from the raw extracts on Spark, whose parquet
    tables have no DELETE (on a cluster, Delta's MERGE on the id makes them incremental again: README, Spark). The
    rebuilt table is what the incremental one equals, and later models read it the same way.
-#}
{% macro staged_extract_materialization() -%}
    {{ return(adapter.dispatch('staged_extract_materialization', 'outreach_warehouse')()) }}
{%- endmacro %}

{% macro default__staged_extract_materialization() -%}
    {{ return('incremental') }}
{%- endmacro %}

{% macro spark__staged_extract_materialization() -%}
    {{ return('table') }}
{%- endmacro %}
