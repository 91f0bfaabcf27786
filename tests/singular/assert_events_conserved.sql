-- Conservation of provider events (spec 8): every raw event extracted up to the as-of is counted,
-- quarantined, or a duplicate (a retried webhook with an id already seen).
with

raw_events as (
    select
        count(*) as raw_rows,
        count(*) - count(id) as null_id_rows,
        count(distinct id) as distinct_ids
    from {{ source('oltp', 'email_events') }}
    where _extracted_at <= {{ as_of() }}
),

counted as (
    select count(*) as counted_rows
    from {{ ref('int_events_classified') }}
    where quarantine_reason is null
),

quarantined as (
    select count(*) as quarantined_rows
    from {{ ref('int_quarantine') }}
    where source_table = 'email_events' and not is_row_kept
)

select
    raw_events.raw_rows,
    counted.counted_rows,
    quarantined.quarantined_rows
from raw_events
cross join counted
cross join quarantined
where
    raw_events.raw_rows
    != counted.counted_rows + quarantined.quarantined_rows
    + (raw_events.raw_rows - raw_events.null_id_rows - raw_events.distinct_ids)
