{#-
    Data tests of the daily job read only what the run recomputed. A test over a big table sets
    `where: "__touched_periods__"`; under `--selector daily`, after an incremental run, that reads the
    rows of the billing periods in `int_touched_periods` (and the rows of no period, recomputed on
    every run); otherwise (the weekly selector, CI, a full build) the whole table. This overrides
    dbt's `get_where_subquery` to resolve the placeholder when the test runs.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where -%}
        {%- set where = where | replace('__touched_periods__', touched_periods_test_filter()) -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}

{% macro touched_periods_test_filter() -%}
    {%- if not execute or invocation_args_dict.get('selector') != 'daily' -%}
        {{ return('1 = 1') }}
    {%- endif -%}
    {%- set touched = stored_state('int_touched_periods') -%}
    {%- if touched is none
        or run_query('select count(*) from ' ~ touched ~ ' where billing_id is null').columns[0].values()[0] > 0 -%}
        {{ return('1 = 1') }}
    {%- endif -%}
    {{ return('(billing_id is null or billing_id in (select billing_id from ' ~ touched ~ '))') }}
{%- endmacro %}
