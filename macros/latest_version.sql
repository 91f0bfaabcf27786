{#-
    Keeps one row per key from `relation` (see the time rules): the latest `_extracted_at`, then the latest
    `updated`, then the remaining `tie_breakers`, so the choice is total and engine independent.
    Rows whose key is null are not versions of anything: they pass through untouched, so that the
    quarantine can see them.
-#}
{% macro latest_version(relation, key, order_by='_extracted_at desc nulls last, updated desc nulls last', tie_breakers=[]) -%}
    select ranked.*
    from (
        select
            {{ relation }}.*,
            row_number() over (
                partition by {{ key }}
                order by {{ order_by }}
                {%- for column in tie_breakers %}, {{ column }}{% endfor %}
            ) as version_rank
        from {{ relation }}
    ) as ranked
    where ranked.version_rank = 1 or ranked.{{ key }} is null
{%- endmacro %}

{#-
    The latest version, at the as-of, of every row of a raw entity table with a non-null key: rows
    extracted after the as-of are ignored (see the time rules).
-#}
{% macro latest_source_versions(table, key='id', order_by='_extracted_at desc nulls last, updated desc nulls last', tie_breakers=[]) -%}
    select ranked.*
    from (
        select
            source_rows.*,
            row_number() over (
                partition by source_rows.{{ key }}
                order by {{ order_by }}
                {%- for column in tie_breakers %}, {{ column }}{% endfor %}
            ) as version_rank
        from {{ source('oltp', table) }} as source_rows
        where source_rows._extracted_at <= {{ as_of() }} and source_rows.{{ key }} is not null
    ) as ranked
    where ranked.version_rank = 1
{%- endmacro %}
