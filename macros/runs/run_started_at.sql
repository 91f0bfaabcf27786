{#- The `updated` column of the marts: when the run that (re)computed the row started (see the mart rules). -#}
{% macro run_started_at_literal() -%}
    {{ timestamp_literal(utc_iso_string(run_started_at)) }}
{%- endmacro %}
