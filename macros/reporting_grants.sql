{#-
    Grants of a view over the marts (the semantic layer's bases): the reporting role only, on Postgres.
    Tenant readers are left out on purpose: a view reads the marts with its owner's rights, past their
    row-level security.
-#}
{% macro reporting_grants() -%}
    {%- if target.type != 'postgres' -%}
        {{ return({}) }}
    {%- endif -%}
    {{ return({'select': [var('reporting_role')]}) }}
{%- endmacro %}
