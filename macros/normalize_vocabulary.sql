{#- Vocabulary values as the marts show them (spec 8): trimmed and lower case. -#}
{% macro normalize_vocabulary(column) -%}
    nullif(lower(trim({{ column }})), '')
{%- endmacro %}
