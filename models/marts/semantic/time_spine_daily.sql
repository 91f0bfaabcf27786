{{ config(materialized='table', grants=reporting_grants()) }}
{#-
    Grain: one row per UTC calendar day from 2015-01-01 through 2039-12-31 (9,131 days): MetricFlow’s
    day time spine. Built from integer_series (no package); the range covers any billing period the
    platform can have, and a wider one only costs rows.
-#}
with

day_numbers as (
    select n as day_number from {{ integer_series(9130) }} as series
),

final as (
    select cast({{ dbt.dateadd('day', 'day_number', "cast('2015-01-01' as date)") }} as date) as date_day
    from day_numbers
)

select * from final
