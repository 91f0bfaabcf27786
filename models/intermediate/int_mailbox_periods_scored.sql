{#-
    One row per mailbox and billing period in which it sent anything, with the window metrics of
    the mailbox marts (see the mart rules): the window ends at least(period_end, as-of) and is half-open,
    [end - w, end). `current_volume` counts the mailbox’s counted messages of any type in the last
    24 hours of the window; `health_score` scores the last 30 days.

    Rebuilt whole on every run (docs/incremental-design.md: what a run rewrites).
-#}

with

messages as (
    select * from {{ ref('int_message_outcomes') }}
),

periods as (
    select * from {{ ref('int_billing_periods') }}
),

mailbox_periods as (
    select
        sending.mailbox_id,
        periods.billing_id,
        periods.period_start,
        periods.window_end_at,
        {{ dbt.dateadd('hour', -1 * var('health_window_hours'), 'periods.window_end_at') }}
            as health_window_start_at,
        {{ dbt.dateadd('hour', -1 * var('current_volume_window_hours'), 'periods.window_end_at') }}
            as volume_window_start_at
    from (
        -- the relation, not the CTE: DuckDB materialises a CTE read twice
        select distinct
            mailbox_id,
            billing_id
        from {{ ref('int_message_outcomes') }}
    ) as sending
    inner join periods
        on sending.billing_id = periods.billing_id
),

window_totals as (
    select
        mailbox_periods.mailbox_id,
        mailbox_periods.billing_id,
        cast(count(windowed.message_id) as integer) as health_sent,
        {{ count_flag('windowed.is_delivered') }} as health_delivered,
        {{ count_flag('windowed.is_bounced') }} as health_bounced,
        {{ count_flag('windowed.is_spam_complaint') }} as health_spam_complaints,
        cast(
            sum(case when windowed.sent_at >= mailbox_periods.volume_window_start_at then 1 else 0 end)
            as integer
        ) as current_volume
    from mailbox_periods
    left join messages as windowed
        on
            mailbox_periods.mailbox_id = windowed.mailbox_id
            and mailbox_periods.health_window_start_at <= windowed.sent_at
            and mailbox_periods.window_end_at > windowed.sent_at
    group by 1, 2
),

final as (
    select
        mailbox_periods.mailbox_id,
        mailbox_periods.billing_id,
        mailbox_periods.period_start,
        mailbox_periods.window_end_at,
        coalesce(window_totals.current_volume, 0) as current_volume,
        {{ health_score(
            'window_totals.health_sent', 'window_totals.health_delivered',
            'window_totals.health_bounced', 'window_totals.health_spam_complaints'
        ) }} as health_score
    from mailbox_periods
    inner join window_totals
        on
            mailbox_periods.mailbox_id = window_totals.mailbox_id
            and mailbox_periods.billing_id = window_totals.billing_id
)

select * from final
