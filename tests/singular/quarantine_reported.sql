{{ config(severity='warn') }}
-- Reports what the build set aside, by table and reason (docs: rules_sources_and_bad_input). A warning,
-- never a failure: the error threshold is quarantine_share_within_limit.
select
    source_table,
    reason,
    is_row_kept,
    count(*) as quarantined_rows
from {{ ref('int_quarantine') }}
group by source_table, reason, is_row_kept
