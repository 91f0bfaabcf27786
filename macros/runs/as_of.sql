{#-
    The single "now" of a run (see the time rules in the docs): the `as_of` var when set, else the
    latest `_extracted_at` across the raw tables. It is resolved once per dbt invocation, by the
    on-run-start hook `start_warehouse_run`, and recorded in the run log; every model of the
    invocation reads it back from there, so an extract that lands while a build is going never
    mixes two as-ofs. Commands that run no hooks (compile, show) resolve it themselves. It is
    inlined as a literal so that engines can prune on it. Nothing reads the wall clock for results.
-#}
{% macro as_of() -%}
    {{ return(timestamp_literal(as_of_value())) }}
{%- endmacro %}

{% macro as_of_value() -%}
    {%- set configured = configured_as_of() -%}
    {%- if configured is not none -%}
        {{ return(configured) }}
    {%- endif -%}
    {%- if not execute -%}
        {{ return('1970-01-01 00:00:00+00:00') }}
    {%- endif -%}
    {%- set recorded = recorded_as_of() -%}
    {%- if recorded is not none -%}
        {{ return(recorded) }}
    {%- endif -%}
    {{ return(latest_extract()) }}
{%- endmacro %}

{#- The `as_of` var, trimmed, or none when unset. -#}
{% macro configured_as_of() -%}
    {%- set configured = var('as_of', none) -%}
    {%- if configured is not none and configured | string | trim != '' -%}
        {{ return(configured | string | trim) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}

{#- The latest `_extracted_at` across the 13 raw tables, as a UTC ISO string (one query). -#}
{% macro latest_extract() -%}
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

{#- run-operation for schedulers: prints the as-of a build would resolve now (the job pins it). -#}
{% macro print_as_of() -%}
    {%- do print('as_of: ' ~ as_of_value()) -%}
{%- endmacro %}
