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

{#-
    Grants of a view over admin_audit_log (its semantic base): the compliance role only, on Postgres, as the
    audit log itself; the reporting role never reads the audit trail.
-#}
{% macro compliance_grants() -%}
    {%- if target.type != 'postgres' -%}
        {{ return({}) }}
    {%- endif -%}
    {{ return({'select': [var('compliance_role')]}) }}
{%- endmacro %}
