-- The floor: the seven marts computed straight from raw_oltp in plain DuckDB SQL, with the dbt project's
-- semantics (every column but `updated`), written for the engine rather than for maintainability.
-- It is what a build needs at least; the benchmark compares the dbt project's build time against it.
--
-- Placeholder (substituted by the caller with str.replace): {{policy_csv}}, the audit policy seed.
-- Writes schema `floor` (tables replaced); its scratch tables are temp tables of the connection.

set TimeZone = 'UTC';

-- one as-of (docs: rules_time_and_runs), the latest extract over the raw tables
set variable as_of = (
    select max(latest) from (
        select max(_extracted_at) as latest from raw_oltp.tenants
        union all select max(_extracted_at) from raw_oltp.companies
        union all select max(_extracted_at) from raw_oltp.plans
        union all select max(_extracted_at) from raw_oltp.subscriptions
        union all select max(_extracted_at) from raw_oltp.domains
        union all select max(_extracted_at) from raw_oltp.email_accounts
        union all select max(_extracted_at) from raw_oltp.leads
        union all select max(_extracted_at) from raw_oltp.campaigns
        union all select max(_extracted_at) from raw_oltp.campaign_sequence_steps
        union all select max(_extracted_at) from raw_oltp.campaign_leads
        union all select max(_extracted_at) from raw_oltp.email_messages
        union all select max(_extracted_at) from raw_oltp.email_events
        union all select max(_extracted_at) from raw_oltp.admin_audit_events
    )
);

-- the eight funnel counters of the marts, in column order (a COLUMNS pattern capturing each name)
set variable counters = '^(sent|delivered|opened_tracked|clicked_tracked|replied|bounced|unsubscribed|spam_complaints)$';

-- the md5 id recipe (docs: id_recipe): first 16 hex digits of md5 as a signed 64-bit integer
create or replace temp macro md5_id(natural_key) as cast(
    (cast(cast('0x' || substr(md5(natural_key), 1, 16) as ubigint) as hugeint) + 9223372036854775808)
    % 18446744073709551616 - 9223372036854775808
    as bigint
);
create or replace temp macro epoch_s(ts) as cast(trunc(epoch(ts)) as bigint);
create or replace temp macro vocab(v) as nullif(lower(trim(v)), '');
create or replace temp macro add_months_utc(ts, k) as
    timezone('UTC', timezone('UTC', ts) + to_months(cast(k as integer)));
-- exact health score: one integer fraction, rounded half away from zero (never negative)
create or replace temp macro health(s, d, b, p) as cast((
    2 * (100 * greatest(s, 1) * greatest(d, 1)
        - (case when s > 0 then least(50 * s, 1000 * b) else 0 end) * greatest(d, 1)
        - (case when d > 0 then least(50 * d, 10000 * p) else 0 end) * greatest(s, 1))
    + greatest(s, 1) * greatest(d, 1)
) // (2 * greatest(s, 1) * greatest(d, 1)) as integer);

-- ---------------------------------------------------------------------------------------------
-- entities: the latest version at the as-of (latest extract, then latest update, then tie-breakers)
-- ---------------------------------------------------------------------------------------------
create or replace temp table tenants as
select id as tenant_id, created, deleted
from raw_oltp.tenants
where _extracted_at <= getvariable('as_of') and id is not null
qualify row_number() over (
    partition by id
    order by _extracted_at desc nulls last, updated desc nulls last, deleted desc nulls last, created asc nulls last
) = 1;

create or replace temp table domains as
select id as domain_id, tenant_id, company_id, created
from raw_oltp.domains
where _extracted_at <= getvariable('as_of') and id is not null
qualify row_number() over (
    partition by id
    order by _extracted_at desc nulls last, updated desc nulls last, verification_status asc nulls last
) = 1;

create or replace temp table mailboxes as
select
    m.id as mailbox_id,
    d.company_id,
    case when vocab(m.warmup_status) in ('pending', 'active', 'completed', 'paused')
        then vocab(m.warmup_status) end as warmup_status,
    m.warmup_started,
    m.warmup_planned_days
from (
    select *
    from raw_oltp.email_accounts
    where _extracted_at <= getvariable('as_of') and id is not null
    qualify row_number() over (
        partition by id
        order by _extracted_at desc nulls last, updated desc nulls last,
            warmup_status asc nulls last, status asc nulls last
    ) = 1
) as m
left join domains as d on m.domain_id = d.domain_id;

create or replace temp table campaigns as
select
    id as campaign_id,
    tenant_id,
    company_id,
    case when vocab(status) in ('draft', 'scheduled', 'sending', 'completed', 'paused')
        then vocab(status) end as status
from raw_oltp.campaigns
where _extracted_at <= getvariable('as_of') and id is not null
qualify row_number() over (
    partition by id order by _extracted_at desc nulls last, updated desc nulls last, status asc nulls last
) = 1;

create or replace temp table steps as
select id as step_id, campaign_id
from raw_oltp.campaign_sequence_steps
where _extracted_at <= getvariable('as_of') and id is not null
qualify row_number() over (
    partition by id
    order by _extracted_at desc nulls last, updated desc nulls last, step_order asc nulls last
) = 1;

create or replace temp table leads as
select id as lead_id, tenant_id, created
from raw_oltp.leads
where _extracted_at <= getvariable('as_of') and id is not null
qualify row_number() over (
    partition by id order by _extracted_at desc nulls last, updated desc nulls last, status asc nulls last
) = 1;

create or replace temp table subscriptions as
select id as subscription_id, tenant_id, created, cancel_date
from raw_oltp.subscriptions
where _extracted_at <= getvariable('as_of') and id is not null
qualify row_number() over (
    partition by id order by _extracted_at desc nulls last, updated desc nulls last, status asc nulls last
) = 1;

create or replace temp table enrolments as
select
    campaign_id,
    lead_id,
    case when vocab(status) in ('queued', 'active', 'completed', 'replied', 'bounced', 'unsubscribed', 'stopped')
        then vocab(status) end as status,
    completed
from raw_oltp.campaign_leads
where _extracted_at <= getvariable('as_of') and campaign_id is not null and lead_id is not null
qualify row_number() over (
    partition by campaign_id, lead_id
    order by _extracted_at desc nulls last, updated desc nulls last, status asc nulls last
) = 1;

-- ---------------------------------------------------------------------------------------------
-- billing periods (docs: rules_billing_periods): boundary k = created + k months from the anchor,
-- up to the as-of or deletion
-- ---------------------------------------------------------------------------------------------
create or replace temp table periods as
with coverage as (
    select
        tenant_id,
        created as anchor,
        case when deleted < getvariable('as_of') then deleted else getvariable('as_of') end as coverage_end
    from tenants
    where created is not null
),

period_indexes as (
    -- periods 0 .. the calendar months from the anchor to the coverage end (at most 1200, as in the project)
    select
        tenant_id,
        anchor,
        coverage_end,
        unnest(range(least(
            (date_part('year', timezone('UTC', coverage_end)) - date_part('year', timezone('UTC', anchor))) * 12
            + date_part('month', timezone('UTC', coverage_end)) - date_part('month', timezone('UTC', anchor)),
            1200
        ) + 1)) as period_index
    from coverage
),

boundaries as (
    select
        tenant_id,
        coverage_end,
        period_index,
        add_months_utc(anchor, period_index) as period_start,
        add_months_utc(anchor, period_index + 1) as period_end
    from period_indexes
)

select
    md5_id(tenant_id || '|' || epoch_s(period_start)) as billing_id,
    tenant_id,
    period_index,
    period_start,
    period_end,
    least(period_end, getvariable('as_of')) as window_end
from boundaries
where period_start <= coverage_end;

-- ---------------------------------------------------------------------------------------------
-- counted messages (quarantine rules: docs rules_sources_and_bad_input), each in its billing period,
-- with its funnel flags
-- ---------------------------------------------------------------------------------------------
create or replace temp table counted as
with messages as (
    -- one row per id, the latest extract winning
    select
        id as message_id,
        tenant_id,
        vocab(message_type) as message_type,
        campaign_id,
        step_id,
        lead_id,
        email_account_id as mailbox_id,
        sent_at
    from raw_oltp.email_messages
    where _extracted_at <= getvariable('as_of') and id is not null
    qualify row_number() over (
        partition by id
        order by _extracted_at desc nulls last, created desc nulls last,
            sent_at asc nulls last, message_type asc nulls last
    ) = 1
),

valid as (
    select m.*
    from messages as m
    inner join tenants as t on m.tenant_id = t.tenant_id
    left join steps as s on m.step_id = s.step_id
    where
        m.message_type in ('campaign', 'warmup')
        and m.mailbox_id in (select mailbox_id from mailboxes)
        and (
            m.message_type = 'warmup'
            or (
                m.campaign_id in (select campaign_id from campaigns)
                and s.step_id is not null
                -- a step of another campaign is quarantined
                and not coalesce(s.campaign_id <> m.campaign_id, false)
                and m.lead_id in (select lead_id from leads)
            )
        )
        and m.sent_at <= getvariable('as_of')
        and not coalesce(m.sent_at < t.created, false)
        and not coalesce(m.sent_at > t.deleted, false)
)

select * from valid;

create or replace temp table outcomes as
with events as (
    -- one row per provider event id (its first extracted copy); events without an id each count
    select message_id, vocab(event_type) as event_type, occurred_at, coalesce(is_bot, false) as is_bot
    from raw_oltp.email_events
    where _extracted_at <= getvariable('as_of')
    qualify id is null or row_number() over (
        partition by id
        order by _extracted_at asc nulls last, received_at asc nulls last, occurred_at asc nulls last,
            event_type asc nulls last, message_id asc nulls last
    ) = 1
),

flags as (
    select
        e.message_id,
        bool_or(e.event_type in ('delivered', 'opened', 'clicked', 'replied', 'unsubscribed', 'spam_complaint'))
            as has_delivery,
        bool_or(e.event_type = 'bounced') as has_bounce,
        bool_or(e.event_type = 'opened' and not e.is_bot) as has_tracked_open,
        bool_or(e.event_type = 'clicked' and not e.is_bot) as has_tracked_click,
        bool_or(e.event_type = 'replied') as has_reply,
        bool_or(e.event_type = 'unsubscribed') as has_unsubscribe,
        bool_or(e.event_type = 'spam_complaint') as has_spam_complaint
    from events as e
    inner join counted as m on e.message_id = m.message_id
    where
        e.event_type in ('delivered', 'opened', 'clicked', 'replied', 'bounced', 'unsubscribed', 'spam_complaint')
        and e.occurred_at <= getvariable('as_of')
        and e.occurred_at >= m.sent_at - interval 60 minute
    group by e.message_id
)

select
    m.message_id,
    m.tenant_id,
    m.message_type,
    m.campaign_id,
    m.step_id,
    m.lead_id,
    m.mailbox_id,
    m.sent_at,
    p.billing_id,
    p.period_start,
    p.window_end,
    -- the funnel flags, named is_<mart counter> and in the marts' column order: every mart aggregates
    -- them with count_if(columns('^is_(.*)$')) as '\1'
    coalesce(f.has_delivery, false) as is_delivered,
    coalesce(f.has_tracked_open, false) as is_opened_tracked,
    coalesce(f.has_tracked_click, false) as is_clicked_tracked,
    coalesce(f.has_reply, false) as is_replied,
    coalesce(f.has_bounce and not f.has_delivery, false) as is_bounced,
    coalesce(f.has_unsubscribe, false) as is_unsubscribed,
    coalesce(f.has_spam_complaint, false) as is_spam_complaints
from counted as m
inner join periods as p
    on m.tenant_id = p.tenant_id and m.sent_at >= p.period_start and m.sent_at < p.period_end
left join flags as f on m.message_id = f.message_id;

-- ---------------------------------------------------------------------------------------------
-- per mailbox and period: funnels by message type, and the window metrics over messages of all types
-- ---------------------------------------------------------------------------------------------
create or replace temp table mailbox_periods as
with type_totals as (
    select
        mailbox_id,
        billing_id,
        message_type,
        min(period_start) as period_start,
        count(*) as sent,
        count_if(columns('^is_(.*)$')) as '\1'
    from outcomes
    group by mailbox_id, billing_id, message_type
),

windows as (
    select distinct mailbox_id, billing_id, period_start, window_end
    from outcomes
),

-- per mailbox and billing period, like the project's window totals
window_totals as (
    select
        w.mailbox_id,
        w.billing_id,
        count(o.message_id) as health_sent,
        count_if(o.is_delivered) as health_delivered,
        count_if(o.is_bounced) as health_bounced,
        count_if(o.is_spam_complaints) as health_spam_complaints,
        count_if(o.sent_at >= w.window_end - interval 24 hour) as current_volume
    from windows as w
    left join outcomes as o
        on w.mailbox_id = o.mailbox_id
        and o.sent_at >= w.window_end - interval 720 hour
        and o.sent_at < w.window_end
    group by w.mailbox_id, w.billing_id
),

scored as (
    select
        w.mailbox_id,
        w.billing_id,
        w.window_end,
        cast(t.current_volume as integer) as current_volume,
        health(t.health_sent, t.health_delivered, t.health_bounced, t.health_spam_complaints) as health_score
    from windows as w
    inner join window_totals as t on w.mailbox_id = t.mailbox_id and w.billing_id = t.billing_id
)

select
    tt.*,
    s.window_end,
    s.health_score,
    s.current_volume,
    mb.company_id,
    mb.warmup_status,
    mb.warmup_started,
    mb.warmup_planned_days
from type_totals as tt
inner join scored as s on tt.mailbox_id = s.mailbox_id and tt.billing_id = s.billing_id
left join mailboxes as mb on tt.mailbox_id = mb.mailbox_id;

-- ---------------------------------------------------------------------------------------------
-- the seven marts
-- ---------------------------------------------------------------------------------------------
create schema if not exists floor;

create or replace table floor.billing_analytics as
with usage as (
    select
        billing_id,
        count_if(message_type = 'campaign') as emails_sent,
        count(distinct mailbox_id) as mailboxes_used,
        count(distinct case when message_type = 'campaign' then campaign_id end) as campaigns_used,
        count(distinct case when message_type = 'warmup' then mailbox_id end) as warmups_active
    from outcomes
    group by billing_id
),

domain_usage as (
    select p.billing_id, count(*) as domains_used
    from periods as p
    inner join domains as d on p.tenant_id = d.tenant_id and d.created < p.period_end
    group by p.billing_id
),

lead_usage as (
    select p.billing_id, count(*) as leads_used
    from periods as p
    inner join leads as l on p.tenant_id = l.tenant_id and l.created < p.period_end
    group by p.billing_id
),

period_subscriptions as (
    select
        p.billing_id,
        arg_max(s.subscription_id, (s.created, s.subscription_id)) as subscription_id
    from periods as p
    inner join subscriptions as s
        on p.tenant_id = s.tenant_id
        and p.period_start >= s.created
        and (s.cancel_date is null or p.period_start < s.cancel_date)
    group by p.billing_id
)

select
    p.billing_id as id,
    p.tenant_id,
    ps.subscription_id,
    cast(coalesce(u.emails_sent, 0) as integer) as emails_sent,
    cast(coalesce(u.mailboxes_used, 0) as integer) as mailboxes_used,
    cast(coalesce(du.domains_used, 0) as integer) as domains_used,
    cast(coalesce(u.campaigns_used, 0) as integer) as campaigns_used,
    cast(coalesce(lu.leads_used, 0) as integer) as leads_used,
    cast(coalesce(u.warmups_active, 0) as integer) as warmups_active,
    p.period_start,
    p.period_end
from periods as p
left join usage as u on p.billing_id = u.billing_id
left join domain_usage as du on p.billing_id = du.billing_id
left join lead_usage as lu on p.billing_id = lu.billing_id
left join period_subscriptions as ps on p.billing_id = ps.billing_id;

create or replace table floor.campaign_analytics as
with sent_totals as (
    select
        campaign_id,
        billing_id,
        count(*) as sent,
        count_if(columns('^is_(.*)$')) as '\1'
    from outcomes
    where message_type = 'campaign'
    group by campaign_id, billing_id
),

completions as (
    select e.campaign_id, p.billing_id, count(*) as completed_leads
    from enrolments as e
    inner join campaigns as c on e.campaign_id = c.campaign_id
    inner join periods as p
        on c.tenant_id = p.tenant_id and e.completed >= p.period_start and e.completed < p.period_end
    where e.completed <= getvariable('as_of')
    group by e.campaign_id, p.billing_id
),

campaign_periods as (
    select campaign_id, billing_id from sent_totals
    union
    select campaign_id, billing_id from completions
)

select
    md5_id(cp.campaign_id || '|' || epoch_s(p.period_start)) as id,
    cp.campaign_id,
    c.company_id,
    cast(coalesce(columns(getvariable('counters')), 0) as integer) as '\1',
    c.status,
    cast(coalesce(co.completed_leads, 0) as integer) as completed_leads,
    cp.billing_id
from campaign_periods as cp
inner join periods as p on cp.billing_id = p.billing_id
left join campaigns as c on cp.campaign_id = c.campaign_id
left join sent_totals as st on cp.campaign_id = st.campaign_id and cp.billing_id = st.billing_id
left join completions as co on cp.campaign_id = co.campaign_id and cp.billing_id = co.billing_id;

create or replace table floor.mailbox_analytics as
with latest_campaign as (
    -- the campaign of the mailbox's latest campaign message in the period (ties: greatest message id)
    select mailbox_id, billing_id, arg_max(campaign_id, (sent_at, message_id)) as campaign_id
    from outcomes
    where message_type = 'campaign'
    group by mailbox_id, billing_id
)

select
    md5_id(mp.mailbox_id || '|' || epoch_s(mp.period_start)) as id,
    mp.mailbox_id,
    mp.company_id,
    cast(columns(getvariable('counters')) as integer) as '\1',
    mp.warmup_status,
    mp.health_score,
    mp.current_volume,
    mp.billing_id,
    c.status as campaign_status
from mailbox_periods as mp
left join latest_campaign as lc on mp.mailbox_id = lc.mailbox_id and mp.billing_id = lc.billing_id
left join campaigns as c on lc.campaign_id = c.campaign_id
where mp.message_type = 'campaign';

create or replace table floor.lead_analytics as
with lead_totals as (
    select
        lead_id,
        campaign_id,
        billing_id,
        min(period_start) as period_start,
        count(*) as sent,
        count_if(columns('^is_(.*)$')) as '\1'
    from outcomes
    where message_type = 'campaign'
    group by lead_id, campaign_id, billing_id
)

select
    md5_id(lt.lead_id || '|' || lt.campaign_id || '|' || epoch_s(lt.period_start)) as id,
    lt.lead_id,
    lt.campaign_id,
    cast(columns(getvariable('counters')) as integer) as '\1',
    e.status,
    lt.billing_id
from lead_totals as lt
left join enrolments as e on lt.campaign_id = e.campaign_id and lt.lead_id = e.lead_id;

create or replace table floor.warmup_analytics as
select
    md5_id(mailbox_id || '|' || epoch_s(period_start)) as id,
    mailbox_id,
    company_id,
    cast(columns(getvariable('counters')) as integer) as '\1',
    health_score,
    cast(case
        when warmup_status = 'pending' then 0
        when warmup_status = 'completed' then 100
        when warmup_started is null or coalesce(warmup_planned_days, 0) <= 0 then 0
        when window_end < warmup_started then 0
        else least(100, 100 * ((epoch_us(window_end) - epoch_us(warmup_started)) // 86400000000)
            // warmup_planned_days)
    end as integer) as progress_percentage,
    billing_id
from mailbox_periods
where message_type = 'warmup';

create or replace table floor.sequence_step_analytics as
with step_totals as (
    select
        step_id,
        campaign_id,
        billing_id,
        min(period_start) as period_start,
        count(*) as sent,
        count_if(columns('^is_(.*)$')) as '\1'
    from outcomes
    where message_type = 'campaign'
    group by step_id, campaign_id, billing_id
)

select
    md5_id(st.step_id || '|' || epoch_s(st.period_start)) as id,
    st.step_id,
    st.campaign_id,
    c.company_id,
    cast(columns(getvariable('counters')) as integer) as '\1',
    st.billing_id
from step_totals as st
left join campaigns as c on st.campaign_id = c.campaign_id;

create or replace table floor.admin_audit_log as
with audit_events as (
    select *
    from raw_oltp.admin_audit_events
    where _extracted_at <= getvariable('as_of') and id is not null
    qualify row_number() over (
        partition by id order by _extracted_at desc nulls last, created desc nulls last, action asc nulls last
    ) = 1
),

policy as (
    select *
    from read_csv(
        '{{policy_csv}}',
        header = true,
        columns = {
            'action': 'varchar', 'in_scope': 'boolean', 'data_classification': 'varchar',
            'retention_category': 'varchar', 'description': 'varchar'
        }
    )
)

select
    md5_id(a.id) as id,
    a.created as creation_time,
    a.admin_user_id,
    vocab(a.action) as action,
    a.resource_type,
    a.resource_id,
    a.tenant_id,
    case when json_valid(a.old_values) then json(a.old_values) end as old_values,
    case when json_valid(a.new_values) then json(a.new_values) end as new_values,
    a.ip_address,
    a.user_agent,
    a.notes,
    case when json_valid(a.metadata) then json(a.metadata) end as metadata,
    cast(coalesce(p.data_classification, 'restricted') as varchar(20)) as data_classification,
    cast(coalesce(p.retention_category, 'regulatory') as varchar(20)) as retention_category
from audit_events as a
left join policy as p on vocab(a.action) = p.action
where coalesce(p.in_scope, true);

drop table if exists temp.main.mailbox_periods;
drop table if exists temp.main.outcomes;
drop table if exists temp.main.counted;
drop table if exists temp.main.periods;
drop table if exists temp.main.enrolments;
drop table if exists temp.main.subscriptions;
drop table if exists temp.main.leads;
drop table if exists temp.main.steps;
drop table if exists temp.main.campaigns;
drop table if exists temp.main.mailboxes;
drop table if exists temp.main.domains;
drop table if exists temp.main.tenants;
