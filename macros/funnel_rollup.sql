{#-
    The funnel of `messages` (a relation of int_message_outcomes rows) rolled up to `grain`: the grain
    columns, the period start and the eight counters. Every mart's counters come through here.
-#}
{% macro funnel_rollup(messages, grain) -%}
    select
        {%- for column in grain %}
        {{ column }},
        {%- endfor %}
        min(period_start) as period_start,
        {{ funnel_counters(messages) }}
    from {{ messages }}
    group by {{ grain | join(', ') }}
{%- endmacro %}
