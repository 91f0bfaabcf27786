{#- An event dated more than var('event_clock_skew_minutes') before its message's send time does not count. -#}
{% macro is_before_clock_skew(occurred_at, sent_at) -%}
    {{ occurred_at }} < {{ dbt.dateadd('minute', -1 * var('event_clock_skew_minutes'), sent_at) }}
{%- endmacro %}
