{#-
    Keeps one row per key from `relation` (see the time rules): the latest `_extracted_at`, then the latest
    `updated`, then the remaining `tie_breakers`, so the choice is total and engine independent.
    Rows whose key is null are not versions of anything: they pass through for the quarantine to see. With
    `copy_columns` (the raw table's columns, `raw_columns`), an exact copy of such a row (every column equal,
    `_extracted_at` included: the same extract loaded twice) passes once. One scan, one window.
-#}
{% macro latest_version(relation, key, order_by='_extracted_at desc nulls last, updated desc nulls last', tie_breakers=[], copy_columns=[]) -%}
    select ranked.*
    from (
        select
            {{ relation }}.*,
            row_number() over (
                partition by {{ key }}
                {%- for column in copy_columns %}, case when {{ key }} is null then {{ column }} end{% endfor %}
                order by {{ order_by }}
                {%- for column in tie_breakers %}, {{ column }}{% endfor %}
            ) as version_rank
        from {{ relation }}
    ) as ranked
    where ranked.version_rank = 1{% if not copy_columns %} or ranked.{{ key }} is null{% endif %}
{%- endmacro %}

{#- The columns of a raw table as the `oltp` source's contract lists them (empty while parsing, and in unit tests). -#}
{% macro raw_columns(table) -%}
    {%- if execute -%}
        {%- for node in graph.get('sources', {}).values() if node.source_name == 'oltp' and node.name == table -%}
            {{ return(node.columns.keys() | list) }}
        {%- endfor -%}
    {%- endif -%}
    {{ return([]) }}
{%- endmacro %}
