{#-
    The conservation balance of one raw table (see the bad-input rules), as the rows of a failing test: every raw row
    extracted up to the as-of is counted (`counted_rows_sql`, a query returning one `counted_rows`),
    quarantined (`int_quarantine` rows of `table` that count nowhere), or a duplicate copy of an id
    already seen. Returns the balance when it does not hold.
-#}
{% macro conservation_failures(table, counted_rows_sql) -%}
    with

    raw_rows as (
        select
            count(*) as raw_rows,
            count(id) - count(distinct id) as duplicate_rows
        from {{ source('oltp', table) }}
        where _extracted_at <= {{ as_of() }}
    ),

    counted as (
        {{ counted_rows_sql }}
    ),

    quarantined as (
        select count(*) as quarantined_rows
        from {{ ref('int_quarantine') }}
        where source_table = '{{ table }}' and not is_row_kept
    )

    select
        raw_rows.raw_rows,
        counted.counted_rows,
        quarantined.quarantined_rows,
        raw_rows.duplicate_rows
    from raw_rows
    cross join counted
    cross join quarantined
    where raw_rows.raw_rows != counted.counted_rows + quarantined.quarantined_rows + raw_rows.duplicate_rows
{%- endmacro %}
