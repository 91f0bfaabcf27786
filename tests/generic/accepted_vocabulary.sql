{#-
    Rows whose non-null value is outside a vocabulary of the `vocabulary` macro
    (docs: rules_sources_and_bad_input).
-#}
{% test accepted_vocabulary(model, column_name, vocabulary) %}
    select {{ column_name }} as unexpected_value
    from {{ model }}
    where {{ column_name }} is not null
        and {{ column_name }} not in ({{ vocabulary_list(vocabulary) }})
{% endtest %}
