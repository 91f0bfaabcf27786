{#-
    Rows breaking the funnel's order (docs: rules_message_funnel): delivered + bounced <= sent, and every engagement
    counter <= delivered.
-#}
{% test funnel_is_consistent(model) %}
    select *
    from {{ model }}
    where
        delivered + bounced > sent
        or opened_tracked > delivered
        or clicked_tracked > delivered
        or replied > delivered
        or unsubscribed > delivered
        or spam_complaints > delivered
{% endtest %}
