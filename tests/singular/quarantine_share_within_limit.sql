-- Fails when the excluded share of messages or events passes var('quarantine_error_share'): past
-- that, bad input is no longer noise but a broken extract (docs: rules_sources_and_bad_input).
-- A tenant without a usable billing anchor is one bad row, not a broken extract: its messages (quarantined
-- as tenant_without_sign_up) and their events are not counted as excluded rows, and such tenants are judged
-- as tenants instead: more than one of them, and more than the share of all tenants, fails (every tenant's
-- sign-up broken is a broken extract). One bad tenant row never stops the build for the other tenants.
with

anchorless_tenants as (
    select tenant_id
    from {{ ref('stg_oltp__tenants') }}
    where not {{ has_usable_billing_anchor('created_at') }}
),

anchorless_events as (
    select events.event_id
    from {{ ref('int_events_classified') }} as events
    inner join anchorless_tenants
        on events.tenant_id = anchorless_tenants.tenant_id
    where events.event_id is not null
),

excluded as (
    select
        quarantine.source_table,
        count(*) as excluded_rows
    from {{ ref('int_quarantine') }} as quarantine
    left join anchorless_events
        on
            quarantine.source_table = 'email_events'
            and quarantine.source_id = anchorless_events.event_id
    where
        not quarantine.is_row_kept
        and anchorless_events.event_id is null
        and not (quarantine.source_table = 'email_messages' and quarantine.reason = 'tenant_without_sign_up')
    group by quarantine.source_table
    union all
    select
        'tenants' as source_table,
        count(*) as excluded_rows
    from anchorless_tenants
    having count(*) > 1
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
    union all
    select
        'tenants' as source_table,
        count(*) as total_rows
    from {{ ref('stg_oltp__tenants') }}
)

select
    totals.source_table,
    excluded.excluded_rows,
    totals.total_rows
from totals
inner join excluded
    on totals.source_table = excluded.source_table
where excluded.excluded_rows > {{ var('quarantine_error_share') }} * totals.total_rows
