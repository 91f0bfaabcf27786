{#-
    Data tests of the daily job read only what the run recomputed. A test over a big table recomputed by
    message sets `where: "<column> > __last_completed_run_start__"` (`recomputed_at` of the per-message tables,
    `updated` of lead_analytics). Under `--selector daily`, after an incremental run, the placeholder is the
    start of the last completed run, so the test reads the rows written since (this run's, and those of runs
    that did not complete); otherwise (the weekly selector, CI, a full build) a time before any row, so the
    test reads the whole table. This overrides dbt's `get_where_subquery` to resolve it when the test runs.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where -%}
        {%- set where = where | replace('__last_completed_run_start__', last_completed_run_start_for_tests()) -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}

{% macro last_completed_run_start_for_tests() -%}
    {%- set previous = previous_completed_run() if execute and invocation_args_dict.get('selector') == 'daily' else none -%}
    {{ return(timestamp_literal('1900-01-01 00:00:00+00:00') if previous is none else previous['started_at']) }}
{%- endmacro %}
