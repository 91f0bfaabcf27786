{#-
    Warmup progress in percent (see the mart rules): 0 while pending, 100 once completed, else the whole days
    (24 hours elapsed) from the warmup start to the window end over the planned days, floored and
    capped at 100; 0 when the start is unknown, the plan is not positive, or the window ends before
    the start.
-#}
{% macro warmup_progress(warmup_status, started_at, planned_days, window_end_at) -%}
    {%- set whole_days = integer_divide(
        epoch_microseconds(window_end_at) ~ ' - ' ~ epoch_microseconds(started_at), 86400000000
    ) -%}
    cast(
        case
            when {{ warmup_status }} = 'pending' then 0
            when {{ warmup_status }} = 'completed' then 100
            when {{ started_at }} is null or coalesce({{ planned_days }}, 0) <= 0 then 0
            when {{ window_end_at }} < {{ started_at }} then 0
            else least(100, {{ integer_divide('100 * ' ~ whole_days, planned_days) }})
        end
        as integer
    )
{%- endmacro %}
