{#-
    Quarantine rows for an entity column whose normalised value is outside its vocabulary (see the bad-input rules):
    the row is kept (the value shows as null downstream) and the value is reported.
-#}
{% macro vocabulary_violations(relation, source_table, id_expression, column, vocabulary_name) -%}
    select
        '{{ source_table }}' as source_table,
        {{ id_expression }} as source_id,
        {{ dbt.concat(["'" ~ column ~ "_out_of_vocabulary: '", column]) }} as reason,
        true as is_row_kept,
        {{ column }} as raw_value
    from {{ relation }}
    where {{ column }} is not null and {{ vocabulary_value(column, vocabulary_name) }} is null
{%- endmacro %}
