{#-
    JSON text as the engine's JSON type, or null when the text is not valid JSON (see the mart rules): a bad
    document never fails the build. Postgres 15 has no safe cast, so `create_json_helpers` (an
    on-run-start hook) installs a small function that catches the parse error.

    One rule on every engine: a document is malformed when the engine cannot parse it, or when it nests arrays
    and objects more than json_max_depth() (64) deep (`json_nesting_exceeds`). Engines differ beyond such
    depths (DuckDB kept a document nested 100,000 deep that Postgres could not parse), so no engine reads them.
-#}
{% macro try_parse_json(text) -%}
    {{ return(adapter.dispatch('try_parse_json', 'outreach_warehouse')(text)) }}
{%- endmacro %}

{% macro default__try_parse_json(text) -%}
    case when not {{ is_malformed_json(text) }} then cast({{ text }} as {{ type_json() }}) end
{%- endmacro %}

{#- The deepest nesting of arrays and objects a document may have: 64 (deeper is malformed on every engine). -#}
{% macro json_max_depth() -%}
    {{ return(64) }}
{%- endmacro %}

{#-
    SQL: true when the JSON text nests arrays and objects more than `depth` deep (meaningful for valid JSON).
    The string literals are removed, then everything but brackets. A pass then removes every bracket group of
    height at most 4 (a pattern of nested groups, json_group_pattern), which lowers the height of what is left
    by exactly 4; after passes summing to `depth`, text is left only if the document was deeper. (Four levels a
    pass keep the SQL shallow and the patterns short.) Only text with more than `depth` opening brackets is
    examined (a cheap count first).
-#}
{% macro json_nesting_exceeds(text, depth=none) -%}
    {%- set depth = json_max_depth() if depth is none else depth -%}
    {%- set string_literal %}"([^"\\]|\\.)*"{% endset -%}
    {%- set remaining = namespace(sql=regexp_replace_all(regexp_replace_all(text, string_literal, ''), '[^{}\\[\\]]', '')) -%}
    {%- for _ in range(depth // 4) -%}
        {%- set remaining.sql = regexp_replace_all(remaining.sql, json_group_pattern(4), '') -%}
    {%- endfor -%}
    {%- if depth % 4 -%}
        {%- set remaining.sql = regexp_replace_all(remaining.sql, json_group_pattern(depth % 4), '') -%}
    {%- endif -%}
    (
        case
            when {{ text }} is null then false
            when length({{ text }}) - length(replace(replace({{ text }}, '[', ''), '{', '')) <= {{ depth }} then false
            else length({{ remaining.sql }}) > 0
        end
    )
{%- endmacro %}

{#- A regular expression matching one balanced bracket group (`[...]` or `{...}`) of height at most `height`. -#}
{% macro json_group_pattern(height) -%}
    {%- set pattern = namespace(text='\\[\\]|[{][}]') -%}
    {%- for _ in range(height - 1) -%}
        {%- set pattern.text = '\\[(?:' ~ pattern.text ~ ')*\\]|[{](?:' ~ pattern.text ~ ')*[}]' -%}
    {%- endfor -%}
    {{ return(pattern.text) }}
{%- endmacro %}

{#- SQL: every match of a regular expression (written as for Postgres and DuckDB) replaced. -#}
{% macro regexp_replace_all(text, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all', 'outreach_warehouse')(text, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regexp_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}

{#- Spark replaces every match, and its string literals take backslash escapes. -#}
{% macro spark__regexp_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, '{{ pattern | replace('\\', '\\\\') }}', '{{ replacement }}')
{%- endmacro %}

{#- json() also minifies, so the mart holds the document in DuckDB's canonical form. -#}
{% macro duckdb__try_parse_json(text) -%}
    case when not {{ is_malformed_json(text) }} then json({{ text }}) end
{%- endmacro %}

{% macro postgres__try_parse_json(text) -%}
    case when not {{ json_nesting_exceeds(text) }} then {{ json_helper_schema() }}.try_parse_jsonb({{ text }}) end
{%- endmacro %}

{#- True when the text is present and does not parse as JSON (absent text is not malformed). -#}
{% macro is_malformed_json(text) -%}
    {{ return(adapter.dispatch('is_malformed_json', 'outreach_warehouse')(text)) }}
{%- endmacro %}

{% macro default__is_malformed_json(text) -%}
    ({{ text }} is not null and (not json_valid({{ text }}) or {{ json_nesting_exceeds(text) }}))
{%- endmacro %}

{#- Spark 4 parses JSON into a VARIANT; the mart keeps the document as text in its canonical (minified) form. -#}
{% macro spark__try_parse_json(text) -%}
    case when not {{ json_nesting_exceeds(text) }} then to_json(try_parse_json({{ text }})) end
{%- endmacro %}

{% macro spark__is_malformed_json(text) -%}
    ({{ text }} is not null and ({{ json_nesting_exceeds(text) }} or try_parse_json({{ text }}) is null))
{%- endmacro %}

{% macro postgres__is_malformed_json(text) -%}
    ({{ text }} is not null and ({{ json_nesting_exceeds(text) }} or {{ json_helper_schema() }}.try_parse_jsonb({{ text }}) is null))
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
