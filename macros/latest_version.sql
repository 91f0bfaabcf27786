{#-
    Keeps one row per key from `relation` (see the time rules): the latest `_extracted_at`, then the latest
    `updated`, then the remaining `tie_breakers`, so the choice is total and engine independent.
    Rows whose key is null are not versions of anything: they pass through for the quarantine to see, one
    row per distinct raw row (an exact copy, every column equal, `_extracted_at` included, is the same
    extract loaded twice, and counts once).
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
        where {{ key }} is not null
    ) as ranked
    where ranked.version_rank = 1
    union all
    select distinct
        {{ relation }}.*,
        1 as version_rank
    from {{ relation }}
    where {{ key }} is null
{%- endmacro %}
