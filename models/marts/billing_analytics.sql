{{ config(meta={'published_access': 'tenant'}) }}
{#-
    Grain: one row per tenant and billing period (rules: models/docs/rules_billing_periods.md),
    zero-usage periods included. Usage
    counts come from the counted messages of the period (send cohort); domains and leads are the
    tenant’s entities created before the period end.
-#}
with

periods as (
    select * from {{ ref('int_billing_periods') }}
),

messages as (
    select * from {{ ref('int_message_outcomes') }}
),

domains as (
    select * from {{ ref('stg_oltp__domains') }}
),

leads as (
    select * from {{ ref('stg_oltp__leads') }}
),

subscriptions as (
    select * from {{ ref('stg_oltp__subscriptions') }}
),

message_usage as (
    select
        billing_id,
        cast(sum(case when message_type = 'campaign' then 1 else 0 end) as integer) as emails_sent,
        cast(count(distinct mailbox_id) as integer) as mailboxes_used,
        cast(count(distinct case when message_type = 'campaign' then campaign_id end) as integer)
            as campaigns_used,
        cast(count(distinct case when message_type = 'warmup' then mailbox_id end) as integer)
            as warmups_active
    from messages
    group by billing_id
),

domain_usage as (
    {{ count_created_before_period_end('periods', 'domains', 'domains_used') }}
),

lead_usage as (
    {{ count_created_before_period_end('periods', 'leads', 'leads_used') }}
),


period_subscriptions as (
    -- the subscription live at the period start; the latest created wins, then the greatest id
    select
        periods.billing_id,
        subscriptions.subscription_id,
        row_number() over (
            partition by periods.billing_id
            order by subscriptions.created_at desc, subscriptions.subscription_id desc
        ) as subscription_rank
    from periods
    inner join subscriptions
        on
            periods.tenant_id = subscriptions.tenant_id
            and periods.period_start >= subscriptions.created_at
            and (subscriptions.canceled_at is null or periods.period_start < subscriptions.canceled_at)
),

final as (
    select
        periods.billing_id as id,
        periods.tenant_id,
        period_subscriptions.subscription_id,
        coalesce(message_usage.emails_sent, 0) as emails_sent,
        coalesce(message_usage.mailboxes_used, 0) as mailboxes_used,
        coalesce(domain_usage.domains_used, 0) as domains_used,
        coalesce(message_usage.campaigns_used, 0) as campaigns_used,
        coalesce(lead_usage.leads_used, 0) as leads_used,
        coalesce(message_usage.warmups_active, 0) as warmups_active,
        periods.period_start,
        periods.period_end,
        {{ run_started_at_literal() }} as updated
    from periods
    left join message_usage
        on periods.billing_id = message_usage.billing_id
    left join domain_usage
        on periods.billing_id = domain_usage.billing_id
    left join lead_usage
        on periods.billing_id = lead_usage.billing_id
    left join period_subscriptions
        on
            periods.billing_id = period_subscriptions.billing_id
            and period_subscriptions.subscription_rank = 1
)

select * from final
