{#-
    The single "now" of a build (spec 6): the `as_of` var when set, else the latest `_extracted_at`
    across the raw tables, read once per model at execution time and inlined as a literal so that
    engines can prune on it. Nothing in the project reads the wall clock for its results.
-#}
{% macro as_of() -%}
    {{ return(timestamp_literal(as_of_value())) }}
{%- endmacro %}

{% macro as_of_value() -%}
    {%- set configured = var('as_of', none) -%}
    {%- if configured is not none and configured | string | trim != '' -%}
        {{ return(configured | string | trim) }}
    {%- endif -%}
    {%- if not execute -%}
        {{ return('1970-01-01 00:00:00+00:00') }}
    {%- endif -%}
    {%- set tables = [
        'tenants', 'companies', 'plans', 'subscriptions', 'domains', 'email_accounts', 'leads',
        'campaigns', 'campaign_sequence_steps', 'campaign_leads', 'email_messages', 'email_events',
        'admin_audit_events'
    ] -%}
    {%- set query -%}
        select max(latest_extract) as as_of from (
        {%- for table in tables %}
            select max(_extracted_at) as latest_extract from {{ source('oltp', table) }}
            {%- if not loop.last %} union all{% endif %}
        {%- endfor %}
        ) as extracts
    {%- endset -%}
    {%- set latest = run_query(query).columns[0].values()[0] -%}
    {%- if latest is none -%}
        {{ exceptions.raise_compiler_error('as_of: the raw tables hold no _extracted_at; set the as_of var') }}
    {%- endif -%}
    {{ return(utc_iso_string(latest)) }}
{%- endmacro %}

{#- A Python datetime (aware or naive UTC) or an ISO string, as 'YYYY-MM-DD HH:MM:SS.ffffff+00:00'. -#}
{% macro utc_iso_string(value) -%}
    {%- if value is string -%}
        {{ return(value) }}
    {%- endif -%}
    {%- if value.tzinfo is not none -%}
        {%- set value = value.astimezone(modules.pytz.utc) -%}
    {%- endif -%}
    {{ return(value.strftime('%Y-%m-%d %H:%M:%S.%f') ~ '+00:00') }}
{%- endmacro %}

{% macro timestamp_literal(value) -%}
    cast('{{ value }}' as {{ type_timestamp_tz() }})
{%- endmacro %}

