{#-
    The eight message counters of the funnel (see the mart rules), summed from the per-message flags of
    `int_message_outcomes`: every counter counts messages, never events.
-#}
{% macro funnel_counter_names() -%}
    {{ return(['sent', 'delivered', 'opened_tracked', 'clicked_tracked', 'replied', 'bounced', 'unsubscribed', 'spam_complaints']) }}
{%- endmacro %}

{% macro funnel_counters(messages) -%}
    cast(count(*) as integer) as sent,
    {{ count_flag(messages ~ '.is_delivered') }} as delivered,
    {{ count_flag(messages ~ '.is_opened_tracked') }} as opened_tracked,
    {{ count_flag(messages ~ '.is_clicked_tracked') }} as clicked_tracked,
    {{ count_flag(messages ~ '.is_replied') }} as replied,
    {{ count_flag(messages ~ '.is_bounced') }} as bounced,
    {{ count_flag(messages ~ '.is_unsubscribed') }} as unsubscribed,
    {{ count_flag(messages ~ '.is_spam_complaint') }} as spam_complaints
{%- endmacro %}

{% macro count_flag(flag) -%}
    cast(sum(case when {{ flag }} then 1 else 0 end) as integer)
{%- endmacro %}

{#- One message's funnel flag as a 0/1 integer (the message-grain fact, message_analytics). -#}
{% macro message_flag(flag) -%}
    cast(case when {{ flag }} then 1 else 0 end as integer)
{%- endmacro %}

{#-
    SQL: the groups (by `columns`) where the funnel counters of `model` (its rows matching `filter`, a condition, or
    all), summed, differ from those of `to` (one row per group, its counters as they are; a group missing on one
    side counts as zeros there). A test: a finer mart, or the message-grain fact, adds up to a coarser mart.
-#}
{% macro funnel_sums_mismatch(model, to, columns, filter=none) -%}
with

totals as (
    select * from {{ to }}
),

sums as (
    select
        {%- for column in columns %}
        {{ column }},
        {%- endfor %}
        {%- for counter in funnel_counter_names() %}
        sum({{ counter }}) as {{ counter }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ model }}
    {%- if filter %}
    where {{ filter }}
    {%- endif %}
    group by {{ columns | join(', ') }}
)

select
    {%- for column in columns %}
    coalesce(totals.{{ column }}, sums.{{ column }}) as {{ column }}{% if not loop.last %},{% endif %}
    {%- endfor %}
from totals
full outer join sums
    on
        {%- for column in columns %}
        totals.{{ column }} = sums.{{ column }}{% if not loop.last %} and{% endif %}
        {%- endfor %}
where
    {%- for counter in funnel_counter_names() %}
    coalesce(totals.{{ counter }}, 0) != coalesce(sums.{{ counter }}, 0){% if not loop.last %} or{% endif %}
    {%- endfor %}
{%- endmacro %}
