{#-
    Month arithmetic in UTC (see the billing period rules): `ts` plus `months` whole months, the day clamped to the end of
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

{#- Spark: the session time zone is UTC (profiles.yml), and a year-month interval clamps the day like the others. -#}
{% macro spark__add_months(ts, months) -%}
    ({{ ts }} + make_ym_interval(0, cast({{ months }} as integer)))
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

{% macro spark__utc_date_part(part, ts) -%}
    cast(date_part('{{ part }}', {{ ts }}) as integer)
{%- endmacro %}

{% macro postgres__utc_date_part(part, ts) -%}
    cast(date_part('{{ part }}', {{ ts }} at time zone 'UTC') as integer)
{%- endmacro %}

{#-
    The index k of the billing period holding `ts` (see the billing period rules): anchor + k months <= ts < anchor + k + 1
    months. The calendar month difference d puts anchor + d months in the month of `ts`; when that
    boundary is still ahead of `ts`, the period is the one before. Joining on (tenant, k) is an
    equi-join, where a range join on the period bounds would compare each message with every period
    of its tenant.
-#}
{% macro billing_period_index(anchor_ts, ts) -%}
    (
        {{ calendar_month_difference(anchor_ts, ts) }}
        - case
            when {{ add_months(anchor_ts, calendar_month_difference(anchor_ts, ts)) }} > {{ ts }} then 1
            else 0
        end
    )
{%- endmacro %}
