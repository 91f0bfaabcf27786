-- Conservation of messages (spec 8): every raw message extracted up to the as-of is counted in a
-- mart (campaign messages in campaign_analytics, warmup messages in warmup_analytics), quarantined,
-- or a duplicate copy of a message id.
with

raw_messages as (
    select
        count(*) as raw_rows,
        count(*) - count(id) as null_id_rows,
        count(distinct id) as distinct_ids
    from {{ source('oltp', 'email_messages') }}
    where _extracted_at <= {{ as_of() }}
),

counted as (
    select
        (select coalesce(sum(sent), 0) from {{ ref('campaign_analytics') }})
        + (select coalesce(sum(sent), 0) from {{ ref('warmup_analytics') }}) as counted_rows
),

quarantined as (
    select count(*) as quarantined_rows
    from {{ ref('int_quarantine') }}
    where source_table = 'email_messages' and not is_row_kept
)

select
    raw_messages.raw_rows,
    counted.counted_rows,
    quarantined.quarantined_rows,
    raw_messages.raw_rows - raw_messages.null_id_rows - raw_messages.distinct_ids as duplicate_rows
from raw_messages
cross join counted
cross join quarantined
where
    raw_messages.raw_rows
    != counted.counted_rows + quarantined.quarantined_rows
    + (raw_messages.raw_rows - raw_messages.null_id_rows - raw_messages.distinct_ids)
