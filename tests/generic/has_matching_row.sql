{#- Rows of the model with no row in `to` that matches them on every column of `columns`. -#}
{% test has_matching_row(model, to, columns) %}
    with child as (
        select * from {{ model }}
    )

    select child.*
    from child
    where not exists (
        select 1
        from {{ to }} as parent
        where
            {%- for column in columns %}
            child.{{ column }} = parent.{{ column }}{% if not loop.last %} and{% endif %}
            {%- endfor %}
    )
{% endtest %}
