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

-- Health: 100 - least(50, 10 * bounce_pct) - least(50, 100 * spam_pct), with bounce_pct = 100 * bounced / sent
-- and spam_pct = 100 * spam_complaints / delivered, a term with a zero denominator being 0. Computed exactly:
-- each penalty is a fraction over its own denominator (least(50 * sent, 1000 * bounced) / sent, and
-- least(50 * delivered, 10000 * spam_complaints) / delivered), the score one fraction N / D with
-- D = sent * delivered, rounded half away from zero (it is never negative: floor((2N + D) / 2D)).
-- No floating point and no engine's `round` is involved.
health_terms as (
    select
        mailbox_id,
        billing_id,
        current_volume,
        cast(case when health_sent > 0 then health_sent else 1 end as bigint) as sent_denominator,
        cast(case when health_delivered > 0 then health_delivered else 1 end as bigint) as delivered_denominator,
        case
            when health_sent > 0
                then least(50 * cast(health_sent as bigint), 1000 * cast(health_bounced as bigint))
            else 0
        end as bounce_penalty,
        case
            when health_delivered > 0
                then least(50 * cast(health_delivered as bigint), 10000 * cast(health_spam_complaints as bigint))
            else 0
        end as spam_penalty
    from window_totals
),

health_fractions as (
    select
        mailbox_id,
        billing_id,
        current_volume,
        sent_denominator * delivered_denominator as score_denominator,
        100 * sent_denominator * delivered_denominator
        - bounce_penalty * delivered_denominator
        - spam_penalty * sent_denominator as score_numerator
    from health_terms
),

final as (
    select
        mailbox_periods.mailbox_id,
        mailbox_periods.billing_id,
        mailbox_periods.period_start,
        mailbox_periods.window_end_at,
        coalesce(health_fractions.current_volume, 0) as current_volume,
        cast(
            {{ integer_divide(
                '2 * health_fractions.score_numerator + health_fractions.score_denominator',
                '2 * health_fractions.score_denominator'
            ) }} as integer
        ) as health_score
    from mailbox_periods
    inner join health_fractions
        on
            mailbox_periods.mailbox_id = health_fractions.mailbox_id
            and mailbox_periods.billing_id = health_fractions.billing_id
)

select * from final
