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
