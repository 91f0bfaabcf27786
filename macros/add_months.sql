{#-
    Month arithmetic in UTC (spec 5): `ts` plus `months` whole months, the day clamped to the end of
    the target month (Jan 31 + 1 month = Feb 28/29). Always computed from the anchor, never chained.
    Engines add months to a wall-clock timestamp, so the timestamp is taken to UTC wall-clock time
    first: the result never depends on the session's time zone.
-#}
{% macro add_months(ts, months) -%}
    {{ return(adapter.dispatch('add_months', 'outreach_warehouse')(ts, months)) }}
{%- endmacro %}

{% macro default__add_months(ts, months) -%}
    {{ dbt.dateadd('month', months, ts) }}
{%- endmacro %}

{% macro duckdb__add_months(ts, months) -%}
    timezone('UTC', timezone('UTC', {{ ts }}) + to_months(cast({{ months }} as integer)))
{%- endmacro %}

{% macro postgres__add_months(ts, months) -%}
    (({{ ts }} at time zone 'UTC') + make_interval(months => cast({{ months }} as integer))) at time zone 'UTC'
{%- endmacro %}

{#- Whole calendar months from `start_ts` to `end_ts` by their UTC year and month (day ignored). -#}
{% macro calendar_month_difference(start_ts, end_ts) -%}
    (
        ({{ utc_date_part('year', end_ts) }} - {{ utc_date_part('year', start_ts) }}) * 12
        + {{ utc_date_part('month', end_ts) }} - {{ utc_date_part('month', start_ts) }}
    )
{%- endmacro %}

{% macro utc_date_part(part, ts) -%}
    {{ return(adapter.dispatch('utc_date_part', 'outreach_warehouse')(part, ts)) }}
{%- endmacro %}

{% macro default__utc_date_part(part, ts) -%}
    cast({{ dbt.date_part(part, ts) }} as integer)
{%- endmacro %}

{% macro duckdb__utc_date_part(part, ts) -%}
    cast(date_part('{{ part }}', timezone('UTC', {{ ts }})) as integer)
{%- endmacro %}

{% macro postgres__utc_date_part(part, ts) -%}
    cast(date_part('{{ part }}', {{ ts }} at time zone 'UTC') as integer)
{%- endmacro %}
