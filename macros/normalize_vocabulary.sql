{#- Vocabulary values as the marts show them (see the bad-input rules): trimmed and lower case. -#}
{% macro normalize_vocabulary(column) -%}
    nullif(lower(trim({{ column }})), '')
{%- endmacro %}
