-- A tenant's periods never overlap and leave no gaps (docs: rules_billing_periods): each period starts
-- where the previous one ended, the first starts at the sign-up, and every period is non-empty.
with

periods as (
    select
        tenant_id,
        period_start,
        period_end,
        lag(period_end) over (
            partition by tenant_id order by period_start
        ) as previous_period_end,
        row_number() over (
            partition by tenant_id order by period_start
        ) as period_number
    from {{ ref('billing_analytics') }}
),

tenants as (
    select * from {{ ref('stg_oltp__tenants') }}
)

select periods.*
from periods
inner join tenants
    on periods.tenant_id = tenants.tenant_id
where
    periods.period_end <= periods.period_start
    or (periods.period_number = 1 and periods.period_start != tenants.created_at)
    or (periods.period_number > 1 and periods.period_start != periods.previous_period_end)
