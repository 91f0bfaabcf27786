{#- Whole seconds since 1970-01-01 UTC, the fraction truncated (toward zero), as bigint. -#}
{% macro epoch_seconds(ts) -%}
    {{ return(adapter.dispatch('epoch_seconds', 'outreach_warehouse')(ts)) }}
{%- endmacro %}

{% macro default__epoch_seconds(ts) -%}
    cast(trunc(extract(epoch from {{ ts }})) as bigint)
{%- endmacro %}

{% macro duckdb__epoch_seconds(ts) -%}
    cast(trunc(epoch({{ ts }})) as bigint)
{%- endmacro %}

{% macro spark__epoch_seconds(ts) -%}
    unix_timestamp({{ ts }})
{%- endmacro %}

{#- Microseconds since 1970-01-01 UTC as bigint (exact: timestamps carry microseconds). -#}
{% macro epoch_microseconds(ts) -%}
    {{ return(adapter.dispatch('epoch_microseconds', 'outreach_warehouse')(ts)) }}
{%- endmacro %}

{% macro default__epoch_microseconds(ts) -%}
    cast(extract(epoch from {{ ts }}) * 1000000 as bigint)
{%- endmacro %}

{% macro spark__epoch_microseconds(ts) -%}
    unix_micros({{ ts }})
{%- endmacro %}

{% macro duckdb__epoch_microseconds(ts) -%}
    epoch_us({{ ts }})
{%- endmacro %}
