{#- A relation of the integers 0..max_value (inclusive) in a column `n`, for date spines. -#}
{% macro integer_series(max_value) -%}
    {{ return(adapter.dispatch('integer_series', 'outreach_warehouse')(max_value)) }}
{%- endmacro %}

{#- Portable: the cross product of four digit tables (0..9999). -#}
{% macro default__integer_series(max_value) -%}
    (
        select n from (
            select thousands.d * 1000 + hundreds.d * 100 + tens.d * 10 + units.d as n
            from {{ digits() }} as units
            cross join {{ digits() }} as tens
            cross join {{ digits() }} as hundreds
            cross join {{ digits() }} as thousands
        ) as numbers
        where n <= {{ max_value }}
    )
{%- endmacro %}

{% macro digits() -%}
    (
        select 0 as d union all select 1 union all select 2 union all select 3 union all select 4
        union all select 5 union all select 6 union all select 7 union all select 8 union all select 9
    )
{%- endmacro %}

{% macro duckdb__integer_series(max_value) -%}
    (select cast(generate_series as integer) as n from generate_series(0, {{ max_value }}))
{%- endmacro %}

{% macro spark__integer_series(max_value) -%}
    (select explode(sequence(0, {{ max_value }})) as n)
{%- endmacro %}

{% macro postgres__integer_series(max_value) -%}
    (select n from generate_series(0, {{ max_value }}) as series (n))
{%- endmacro %}
