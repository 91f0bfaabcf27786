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

counted_campaign as (
    select coalesce(sum(sent), 0) as counted_rows
    from {{ ref('campaign_analytics') }}
),

counted_warmup as (
    select coalesce(sum(sent), 0) as counted_rows
    from {{ ref('warmup_analytics') }}
),

quarantined as (
    select count(*) as quarantined_rows
    from {{ ref('int_quarantine') }}
    where source_table = 'email_messages' and not is_row_kept
),

balance as (
    select
        raw_messages.raw_rows,
        quarantined.quarantined_rows,
        counted_campaign.counted_rows + counted_warmup.counted_rows as counted_rows,
        raw_messages.raw_rows - raw_messages.null_id_rows - raw_messages.distinct_ids as duplicate_rows
    from raw_messages
    cross join counted_campaign
    cross join counted_warmup
    cross join quarantined
)

select * from balance
where raw_rows != counted_rows + quarantined_rows + duplicate_rows
