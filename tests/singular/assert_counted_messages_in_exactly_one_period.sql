-- Every counted message falls in exactly one billing period (docs: rules_billing_periods).
with

counted as (
    select
        message_id,
        sent_at,
        tenant_id
    from {{ ref('int_messages_classified') }}
    -- the daily job checks the messages it recomputed (see macros/runs/test_scope.sql)
    where quarantine_reason is null and recomputed_at > {{ last_completed_run_start_for_tests() }}
),

matches as (
    select
        counted.message_id,
        count(periods.billing_id) as period_count
    from counted
    left join {{ ref('int_billing_periods') }} as periods
        on
            counted.tenant_id = periods.tenant_id
            and counted.sent_at >= periods.period_start
            and counted.sent_at < periods.period_end
    group by counted.message_id
)

select * from matches
where period_count != 1
