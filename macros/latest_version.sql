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
