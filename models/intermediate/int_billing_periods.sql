{#-
    One row per tenant and billing period (see the billing period rules): whole months anchored on the tenant’s sign-up,
    boundary k = created + k months computed from the anchor (day clamped to the month’s end), from
    the period containing the sign-up to the one containing the as-of time, or the soft-delete time
    when earlier.
-#}
with

tenants as (
    select * from {{ ref('stg_oltp__tenants') }}
),

coverage as (
    select
        tenant_id,
        created_at as anchor_at,
        deleted_at,
        case
            when deleted_at is not null and deleted_at < {{ as_of() }} then deleted_at
            else {{ as_of() }}
        end as coverage_end_at
    from tenants
    where {{ has_usable_billing_anchor('created_at') }}
),

month_offsets as (
    select n as period_index from {{ integer_series(billing_anchor_max_months()) }} as series
),

boundaries as (
    select
        coverage.tenant_id,
        coverage.anchor_at,
        coverage.deleted_at,
        coverage.coverage_end_at,
        month_offsets.period_index,
        {{ add_months('coverage.anchor_at', 'month_offsets.period_index') }} as period_start,
        {{ add_months('coverage.anchor_at', 'month_offsets.period_index + 1') }} as period_end
    from coverage
    inner join month_offsets
        on month_offsets.period_index
            <= {{ calendar_month_difference('coverage.anchor_at', 'coverage.coverage_end_at') }}
),

final as (
    select
        {{ bigint_key(['tenant_id', epoch_seconds('period_start')]) }} as billing_id,
        tenant_id,
        period_index,
        period_start,
        period_end,
        case when period_end < {{ as_of() }} then period_end else {{ as_of() }} end as window_end_at,
        anchor_at,
        deleted_at
    from boundaries
    where period_start <= coverage_end_at
)

select * from final
