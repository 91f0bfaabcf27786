{#-
    JSON text as the engine's JSON type, or null when the text is not valid JSON (see the mart rules): a bad
    document never fails the build. Postgres 15 has no safe cast, so `create_json_helpers` (an
    on-run-start hook) installs a small function that catches the parse error.
-#}
{% macro try_parse_json(text) -%}
    {{ return(adapter.dispatch('try_parse_json', 'outreach_warehouse')(text)) }}
{%- endmacro %}

{% macro default__try_parse_json(text) -%}
    case when not {{ is_malformed_json(text) }} then cast({{ text }} as {{ type_json() }}) end
{%- endmacro %}

{#- json() also minifies, so the mart holds the document in DuckDB's canonical form. -#}
{% macro duckdb__try_parse_json(text) -%}
    case when not {{ is_malformed_json(text) }} then json({{ text }}) end
{%- endmacro %}

{% macro postgres__try_parse_json(text) -%}
    {{ json_helper_schema() }}.try_parse_jsonb({{ text }})
{%- endmacro %}

{#- True when the text is present and does not parse as JSON (absent text is not malformed). -#}
{% macro is_malformed_json(text) -%}
    {{ return(adapter.dispatch('is_malformed_json', 'outreach_warehouse')(text)) }}
{%- endmacro %}

{% macro default__is_malformed_json(text) -%}
    ({{ text }} is not null and not json_valid({{ text }}))
{%- endmacro %}

{#- Spark 4 parses JSON into a VARIANT; the mart keeps the document as text in its canonical (minified) form. -#}
{% macro spark__try_parse_json(text) -%}
    to_json(try_parse_json({{ text }}))
{%- endmacro %}

{% macro spark__is_malformed_json(text) -%}
    ({{ text }} is not null and try_parse_json({{ text }}) is null)
{%- endmacro %}

{% macro postgres__is_malformed_json(text) -%}
    ({{ text }} is not null and {{ json_helper_schema() }}.try_parse_jsonb({{ text }}) is null)
{%- endmacro %}

{% macro json_helper_schema() -%}
    {{ target.schema }}
{%- endmacro %}

{% macro create_json_helpers() -%}
    {{ return(adapter.dispatch('create_json_helpers', 'outreach_warehouse')()) }}
{%- endmacro %}

{% macro default__create_json_helpers() -%}
    select 1
{%- endmacro %}

{% macro postgres__create_json_helpers() -%}
    create schema if not exists {{ json_helper_schema() }};
    create or replace function {{ json_helper_schema() }}.try_parse_jsonb(document text)
    returns jsonb
    language plpgsql
    immutable
    parallel unsafe
    as $$
    begin
        return cast(document as jsonb);
    exception when others then
        return null;
    end;
    $$
{%- endmacro %}
