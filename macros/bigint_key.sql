{#-
    The deterministic bigint `id` of every mart row (see the mart rules): the signed 64-bit integer (two's
    complement) whose bits are the first 16 hex digits of md5 of the natural key parts joined with
    '|'. Pass text expressions for ids and `epoch_seconds(...)` for timestamps. Identical on every
    engine, stable across runs.
-#}
{% macro bigint_key(parts) -%}
    {%- set joined -%}
        {%- for part in parts -%}
            coalesce(cast({{ part }} as {{ dbt.type_string() }}), '')
            {%- if not loop.last %} || '|' || {% endif -%}
        {%- endfor -%}
    {%- endset -%}
    {{ return(adapter.dispatch('md5_prefix_to_bigint', 'outreach_warehouse')('substr(md5(' ~ joined ~ '), 1, 16)')) }}
{%- endmacro %}

{#- Spark and MySQL: a negative target base makes conv() read the 64 bits as a signed integer. -#}
{% macro default__md5_prefix_to_bigint(hex16) -%}
    cast(conv({{ hex16 }}, 16, -10) as bigint)
{%- endmacro %}

{% macro postgres__md5_prefix_to_bigint(hex16) -%}
    cast(cast('x' || {{ hex16 }} as bit(64)) as bigint)
{%- endmacro %}

{% macro duckdb__md5_prefix_to_bigint(hex16) -%}
    cast(
        (cast(cast('0x' || {{ hex16 }} as ubigint) as hugeint) + 9223372036854775808)
        % 18446744073709551616
        - 9223372036854775808
        as bigint
    )
{%- endmacro %}
