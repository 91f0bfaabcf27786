{#-
    What an event proves about its message (spec 4), defined once for the event summary.
    `event_counts_for_message`: the event is of a known type and not dated more than the tolerated
    clock skew before its message's send time (spec 8). The as-of bound (occurred_at <= as-of) is
    applied where the flags are read, so that the summary itself never depends on the as-of.
-#}
{% macro event_signal_columns() -%}
    {{ return({
        'first_delivery_evidence_at': "event_type in ('delivered', 'opened', 'clicked', 'replied', 'unsubscribed', 'spam_complaint')",
        'first_bounce_at': "event_type = 'bounced'",
        'first_tracked_open_at': "event_type = 'opened' and not is_bot",
        'first_tracked_click_at': "event_type = 'clicked' and not is_bot",
        'first_reply_at': "event_type = 'replied'",
        'first_unsubscribe_at': "event_type = 'unsubscribed'",
        'first_spam_complaint_at': "event_type = 'spam_complaint'",
    }) }}
{%- endmacro %}

{% macro is_before_clock_skew(occurred_at, sent_at) -%}
    {{ occurred_at }} < {{ dbt.dateadd('minute', -1 * var('event_clock_skew_minutes'), sent_at) }}
{%- endmacro %}
