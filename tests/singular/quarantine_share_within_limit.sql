-- Fails when the excluded share of messages or events passes var('quarantine_error_share'): past
-- that, bad input is no longer noise but a broken extract (docs: rules_sources_and_bad_input).
with

excluded as (
    select
        source_table,
        count(*) as excluded_rows
    from {{ ref('int_quarantine') }}
    where not is_row_kept
    group by source_table
),

totals as (
    select
        'email_messages' as source_table,
        count(*) as total_rows
    from {{ ref('int_messages_classified') }}
    union all
    select
        'email_events' as source_table,
        count(*) as total_rows
    from {{ ref('int_events_classified') }}
)

select
    totals.source_table,
    excluded.excluded_rows,
    totals.total_rows
from totals
inner join excluded
    on totals.source_table = excluded.source_table
where excluded.excluded_rows > {{ var('quarantine_error_share') }} * totals.total_rows
