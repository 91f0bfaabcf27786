{#-
    Keeps one row per key from `relation` (see the time rules): the latest `_extracted_at`, then the latest
    `updated`, then the remaining `tie_breakers`, so the choice is total and engine independent.
    Rows whose key is null are not versions of anything: they pass through for the quarantine to see. With
    `keyless_copies_once`, an exact copy of such a row (every column equal, `_extracted_at` included: the same
    extract loaded twice) passes once. (A second, filtered read of `relation`: on 2M events it costs DuckDB
    about a tenth of the window, where partitioning keyless rows by every column doubled it.)
-#}
{% macro latest_version(relation, key, order_by='_extracted_at desc nulls last, updated desc nulls last', tie_breakers=[], keyless_copies_once=false) -%}
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
        {%- if keyless_copies_once %}
        where {{ key }} is not null
        {%- endif %}
    ) as ranked
    {%- if keyless_copies_once %}
    where ranked.version_rank = 1
    union all
    select distinct
        {{ relation }}.*,
        1 as version_rank
    from {{ relation }}
    where {{ key }} is null
    {%- else %}
    where ranked.version_rank = 1 or ranked.{{ key }} is null
    {%- endif %}
{%- endmacro %}
