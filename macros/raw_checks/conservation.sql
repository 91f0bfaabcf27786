{#-
    The conservation balance of one raw table (see the bad-input rules), as the rows of a failing test: every raw row
    extracted up to the as-of is counted (`counted_rows_sql`, a query returning one `counted_rows`),
    quarantined (`int_quarantine` rows of `table` that count nowhere), or a duplicate: a copy of an id
    already seen, or, for a row without an id, an exact copy of another raw row (the same extract loaded
    twice; staging keeps one, see latest_version). Returns the balance when it does not hold.
-#}
{% macro conservation_failures(table, counted_rows_sql) -%}
    with

    extracted as (
        select * from {{ source('oltp', table) }}
        where _extracted_at <= {{ as_of() }}
    ),

    distinct_rows_without_id as (
        select count(*) as row_count
        from (select distinct * from extracted where id is null) as rows_without_id
    ),

    raw_rows as (
        select
            count(*) as raw_rows,
            count(*) - count(distinct id)
            - (select distinct_rows_without_id.row_count from distinct_rows_without_id) as duplicate_rows
        from extracted
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
