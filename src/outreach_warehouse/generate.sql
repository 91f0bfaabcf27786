-- Realistic raw OLTP extracts for the outreach warehouse, generated in DuckDB (spec 3, 8).
-- Placeholders substituted by loader.py: __SEED__, __MESSAGES__, __AS_OF__ (the base extract's as-of),
-- __HORIZON__ (the as-of of the last extract to produce: base plus increment days), __POLICY_CSV__.
-- Every random draw is a hash of (seed, salt, row key): deterministic whatever the parallelism.
-- Each generated row carries `_case`: null for good input, else the bad-input case it stands for
-- (the census counts them); the loader drops the column before writing the raw tables.

create or replace macro rnd(salt, k) as (hash(__SEED__, salt, k) % 1000000) / 1000000.0;
create or replace macro uid(kind, k) as (
    substr(md5(kind || ':' || cast(k as varchar) || ':' || cast(__SEED__ as varchar)), 1, 8) || '-'
    || substr(md5(kind || ':' || cast(k as varchar) || ':' || cast(__SEED__ as varchar)), 9, 4) || '-'
    || substr(md5(kind || ':' || cast(k as varchar) || ':' || cast(__SEED__ as varchar)), 13, 4) || '-'
    || substr(md5(kind || ':' || cast(k as varchar) || ':' || cast(__SEED__ as varchar)), 17, 4) || '-'
    || substr(md5(kind || ':' || cast(k as varchar) || ':' || cast(__SEED__ as varchar)), 21, 12)
);
-- the daily extract (01:00 UTC) that first copies a row changed at ts
create or replace macro extract_after(ts) as (
    date_trunc('day', ts - interval 1 hour) + interval 1 day + interval 1 hour
);
-- a vocabulary value as a careless client might send it (about 3% of rows)
create or replace macro messy(v, k) as (
    case
        when rnd('messy', k) < 0.01 then upper(v)
        when rnd('messy', k) < 0.02 then ' ' || v
        when rnd('messy', k) < 0.03 then upper(substr(v, 1, 1)) || substr(v, 2) || ' '
        else v
    end
);
create or replace macro is_messy(k) as (rnd('messy', k) < 0.03);

create or replace temp table params as
select
    cast('__AS_OF__' as timestamptz) as as_of,
    cast('__HORIZON__' as timestamptz) as horizon,
    cast(__MESSAGES__ as bigint) as messages,
    greatest(5, cast(__MESSAGES__ / 2500 as bigint)) as tenants,
    greatest(40, cast(__MESSAGES__ * 0.3 / greatest(5, __MESSAGES__ / 2500) as bigint)) as leads_per_tenant;

-- tenants: signing up over the 150 days before the as-of; one in 19 on the 31st; one in 23 deleted
create or replace temp table g_tenants as
with base as (
    select
        t,
        case
            when t % 19 = 3 then cast('2025-10-31 09:30:00+00' as timestamptz)
            when t % 29 = 4 then cast('2024-02-29 12:00:00+00' as timestamptz)
            else (select as_of from params) - to_days(10 + cast(rnd('tenant_created', t) * 150 as integer))
                - to_seconds(cast(rnd('tenant_time', t) * 86400 as integer))
        end as created
    from range((select tenants from params)) as r (t)
)
select
    t,
    uid('tenant', t) as id,
    'Tenant ' || t as name,
    created,
    case
        when t % 23 = 5 then created + to_days(40 + cast(rnd('tenant_deleted', t) * 30 as integer))
        when t % 37 = 8 then (select as_of from params) + interval 36 hour
    end as deleted
from base;

create or replace temp table tenants_out as
select id, name, created, created as updated, cast(null as timestamptz) as deleted,
    extract_after(created) as _extracted_at, null as _case
from g_tenants
union all
select id, name, created, deleted as updated, deleted, extract_after(deleted), null
from g_tenants where deleted is not null;

create or replace temp table companies_out as
select
    uid('company', t * 3 + c) as id, g.id as tenant_id, 'Company ' || t || '-' || c as name,
    'workspace-' || t || '-' || c as workspace_name,
    messy(case when rnd('company_status', t * 3 + c) < 0.9 then 'active' else 'suspended' end, t * 3 + c) as status,
    g.created + to_minutes(c) as created, g.created + to_minutes(c) as updated,
    extract_after(g.created + to_minutes(c)) as _extracted_at,
    case when is_messy(t * 3 + c) then 'mixed_case_vocabulary' end as _case
from g_tenants as g, range(3) as r (c)
where c < 1 + g.t % 3;

create or replace temp table plans_out as
select
    uid('plan', p) as id, name, slug, emails as max_emails_per_month, accounts as max_email_accounts,
    domains as max_domains, campaigns as max_campaigns_per_month, warmups as max_warmups,
    contacts as max_contacts, price as price_monthly,
    p < 4 as is_active, cast('2024-01-01 00:00:00+00' as timestamptz) as created,
    cast('2024-01-01 00:00:00+00' as timestamptz) as updated,
    cast('2024-01-02 01:00:00+00' as timestamptz) as _extracted_at, null as _case
from (values
    (0, 'Starter', 'starter', 5000, 3, 1, 5, 3, 2000, 3900),
    (1, 'Growth', 'growth', 25000, 10, 3, 20, 10, 10000, 9900),
    (2, 'Scale', 'scale', 100000, 40, 10, 100, 40, 50000, 29900),
    (3, 'Enterprise', 'enterprise', 1000000, 400, 50, 1000, 400, 500000, 99900),
    (4, 'Legacy', 'legacy', 10000, 5, 2, 10, 5, 5000, 4900)
) as v (p, name, slug, emails, accounts, domains, campaigns, warmups, contacts, price);

-- subscriptions: one in 7 tenants has none; one in 5 upgraded (an old canceled one, then a new one)
create or replace temp table subscriptions_out as
with subs as (
    select g.t, g.id as tenant_id, 0 as n, g.created + interval 1 hour as created,
        case when g.t % 5 = 0 then g.created + interval 35 day end as cancel_date,
        cast(rnd('plan', g.t) * 3 as integer) as plan
    from g_tenants as g where g.t % 7 != 0
    union all
    select g.t, g.id, 1, g.created + interval 35 day, null, 3
    from g_tenants as g where g.t % 7 != 0 and g.t % 5 = 0
)
select
    uid('subscription', t * 2 + n) as id, tenant_id, uid('plan', plan) as plan_id,
    case when cancel_date is not null then 'canceled' when rnd('sub_status', t) < 0.05 then 'past_due' else 'active' end
        as status,
    created as current_period_start, created + interval 1 month as current_period_end,
    cancel_date is not null as cancel_at_period_end, cancel_date, created,
    coalesce(cancel_date, created) as updated, extract_after(created) as _extracted_at, null as _case
from subs
where created <= (select horizon from params);

create or replace temp table domains_out as
select
    uid('domain', t * 3 + c) as id, g.id as tenant_id, uid('company', t * 3 + c) as company_id,
    'mail' || t || '-' || c || '.example.com' as domain,
    case when rnd('domain_status', t * 3 + c) < 0.85 then 'verified'
        when rnd('domain_status', t * 3 + c) < 0.95 then 'pending' else 'failed' end as verification_status,
    c = 0 as is_primary, g.created + interval 2 hour as verified, g.created + to_minutes(c + 5) as created,
    g.created + interval 2 hour as updated, extract_after(g.created + interval 2 hour) as _extracted_at,
    null as _case
from g_tenants as g, range(3) as r (c)
where c < 1 + g.t % 3;

-- mailboxes: five per tenant, warming up from a start date over a planned 14 to 30 days
create or replace temp table g_mailboxes as
select
    g.t * 5 + j as m, g.t, j, uid('mailbox', g.t * 5 + j) as id, g.id as tenant_id,
    uid('domain', g.t * 3 + j % (1 + g.t % 3)) as domain_id,
    g.created + to_hours(1 + cast(rnd('mb_start', g.t * 5 + j) * 240 as integer)) as warmup_started,
    case when (g.t * 5 + j) % 97 = 7 then 0 else 14 + cast(rnd('mb_plan', g.t * 5 + j) * 16 as integer) end
        as warmup_planned_days,
    g.created + to_minutes(30 + j) as created
from g_tenants as g, range(5) as r (j);

create or replace temp table email_accounts_out as
with versions as (
    select mb.*, 0 as v,
        case when mb.m % 11 = 0 then 'pending' else 'active' end as warmup_status, mb.created as updated
    from g_mailboxes as mb
    union all
    select mb.*, 1,
        case when mb.m % 13 = 1 then 'paused' else 'completed' end,
        mb.warmup_started + to_days(mb.warmup_planned_days + 1)
    from g_mailboxes as mb where mb.m % 11 != 0 and mb.m % 3 = 0
)
select
    id, tenant_id, domain_id, 'box' || m || '@mail' || t || '.example.com' as email,
    case when m % 3 = 0 then 'google' when m % 3 = 1 then 'microsoft' else 'smtp' end as provider,
    messy(case when m % 31 = 2 then 'paused' else 'active' end, m * 7 + v) as status,
    case when m % 211 = 5 and v = 0 then 'Warming ' else messy(warmup_status, m * 5 + v) end as warmup_status,
    warmup_started, warmup_planned_days, updated as last_warmed, cast(rnd('daily', m) * 50 as integer) as daily_count,
    created, updated, extract_after(updated) as _extracted_at,
    case when m % 211 = 5 and v = 0 then 'warmup_status_out_of_vocabulary'
        when is_messy(m * 5 + v) or is_messy(m * 7 + v) then 'mixed_case_vocabulary' end as _case
from versions
where updated <= (select horizon from params);

create or replace temp table leads_out as
select
    uid('lead', g.t * p.leads_per_tenant + l) as id, g.id as tenant_id,
    'lead' || (g.t * p.leads_per_tenant + l) || '@prospect.example.org' as email,
    'Lead ' || (g.t * p.leads_per_tenant + l) as name, 'Prospect Co ' || (l % 50) as company,
    case when rnd('lead_status', g.t * p.leads_per_tenant + l) < 0.9 then 'active' else 'unsubscribed' end as status,
    g.created + to_minutes(cast(rnd('lead_created', g.t * p.leads_per_tenant + l) * 60 * 48 as integer)) as created,
    g.created + to_minutes(cast(rnd('lead_created', g.t * p.leads_per_tenant + l) * 60 * 48 as integer)) as updated,
    extract_after(g.created + to_minutes(cast(rnd('lead_created', g.t * p.leads_per_tenant + l) * 60 * 48 as integer)))
        as _extracted_at,
    null as _case
from g_tenants as g, params as p, range((select leads_per_tenant from params)) as r (l)
union all
select
    uid('new_lead', g.t * 10 + l) as id, g.id, 'new' || (g.t * 10 + l) || '@prospect.example.org',
    'New lead ' || (g.t * 10 + l), 'Prospect Co', 'active',
    p.as_of + to_minutes(cast(rnd('new_lead', g.t * 10 + l) * 60 * 24 * 5 as integer)),
    p.as_of + to_minutes(cast(rnd('new_lead', g.t * 10 + l) * 60 * 24 * 5 as integer)),
    extract_after(p.as_of + to_minutes(cast(rnd('new_lead', g.t * 10 + l) * 60 * 24 * 5 as integer))),
    null
from g_tenants as g, params as p, range(3) as r (l)
where p.as_of + to_minutes(cast(rnd('new_lead', g.t * 10 + l) * 60 * 24 * 5 as integer)) <= p.horizon;

-- campaigns: three per tenant, their status moving from sending to completed or paused
create or replace temp table g_campaigns as
select g.t * 3 + j as c, g.t, j, uid('campaign', g.t * 3 + j) as id, g.id as tenant_id,
    uid('company', g.t * 3 + j % (1 + g.t % 3)) as company_id,
    g.created + to_hours(2 + j * 24) as created
from g_tenants as g, range(3) as r (j);

create or replace temp table campaigns_out as
with versions as (
    select gc.*, 0 as v, 'sending' as status, gc.created as updated from g_campaigns as gc
    union all
    select gc.*, 1, case when gc.c % 4 = 1 then 'paused' else 'completed' end,
        gc.created + to_days(20 + cast(rnd('campaign_done', gc.c) * 60 as integer))
    from g_campaigns as gc where gc.c % 2 = 1
    union all
    select gc.*, 2, 'paused', (select as_of from params) + to_hours(3 + (gc.c % 3) * 24)
    from g_campaigns as gc where gc.c % 5 = 2
)
select
    id, tenant_id, company_id, 'Campaign ' || c as name, 'Outreach sequence ' || c as description,
    case when c % 157 = 11 then 'archived_legacy' else messy(status, c * 3 + v) end as status,
    created + interval 1 day as scheduled, case when status = 'completed' then updated end as completed,
    created, updated, extract_after(updated) as _extracted_at,
    case when c % 157 = 11 then 'campaign_status_out_of_vocabulary'
        when is_messy(c * 3 + v) then 'mixed_case_vocabulary' end as _case
from versions
where updated <= (select horizon from params);

-- four steps per campaign: email, wait, email, email
create or replace temp table campaign_sequence_steps_out as
select
    uid('step', gc.c * 4 + k) as id, gc.id as campaign_id, k + 1 as step_order,
    case when k = 1 then 'wait' else 'email' end as step_type,
    case when k = 0 then uid('mailbox', gc.t * 5 + gc.j) end as email_account_id,
    uid('template', gc.c * 4 + k) as template_id,
    case when k = 2 then 'Following up' end as subject_override,
    case when k = 1 then 48 else 0 end as wait_duration_hours, true as is_active,
    gc.created as created, gc.created as updated, extract_after(gc.created) as _extracted_at, null as _case
from g_campaigns as gc, range(4) as r (k);

-- messages: campaign sends (about 80%) and warmup sends ramping up after each warmup start
create or replace temp table g_messages as
with campaign_sends as (
    select
        i, 'campaign' as message_type,
        cast(floor(rnd('msg_tenant', i) * (select tenants from params)) as bigint) as t,
        cast(floor(rnd('msg_campaign', i) * 3) as integer) as j,
        cast(floor(rnd('msg_lead', i) * (select leads_per_tenant from params)) as bigint) as l,
        [0, 2, 3][1 + cast(floor(rnd('msg_step', i) * 3) as integer)] as k,
        cast(floor(rnd('msg_mailbox', i) * 5) as integer) as mj
    from range(cast((select messages from params) * 0.8 as bigint)) as r (i)
),
campaign_messages as (
    select
        cs.i, cs.message_type, g.id as tenant_id, uid('campaign', cs.t * 3 + cs.j) as campaign_id,
        uid('step', (cs.t * 3 + cs.j) * 4 + cs.k) as step_id,
        uid('lead', cs.t * (select leads_per_tenant from params) + cs.l) as lead_id,
        uid('mailbox', cs.t * 5 + cs.mj) as email_account_id,
        g.created + interval 3 day
            + to_seconds(cast(rnd('msg_sent', cs.i) * (epoch((select as_of from params)) - epoch(g.created + interval 3 day)) as bigint))
            as sent_at
    from campaign_sends as cs
    inner join g_tenants as g on cs.t = g.t
    where g.created + interval 3 day < (select as_of from params)
),
warmup_messages as (
    select
        cast((select messages from params) * 0.8 as bigint) + i as i, 'warmup' as message_type,
        mb.tenant_id, null as campaign_id, null as step_id, null as lead_id, mb.id as email_account_id,
        mb.warmup_started
            + to_seconds(cast(sqrt(rnd('warm_sent', i)) * (epoch((select as_of from params)) - epoch(mb.warmup_started)) as bigint))
            as sent_at
    from range(cast((select messages from params) * 0.2 as bigint)) as r (i)
    inner join g_mailboxes as mb
        on mb.m = cast(floor(rnd('warm_mailbox', i) * (select tenants from params) * 5) as bigint)
    where mb.warmup_started < (select as_of from params)
),

-- the sends of each later daily extract (increment days): about 1% of the base volume per day
daily_sends as (
    select
        cast((select messages from params) * 10 as bigint) + d * 10000000 + i as i, 'campaign' as message_type,
        g.id as tenant_id, uid('campaign', g.t * 3 + cast(floor(rnd('day_campaign', d * 10000000 + i) * 3) as integer))
            as campaign_id,
        uid('step', (g.t * 3 + cast(floor(rnd('day_campaign', d * 10000000 + i) * 3) as integer)) * 4) as step_id,
        uid('lead', g.t * (select leads_per_tenant from params)
            + cast(floor(rnd('day_lead', d * 10000000 + i) * (select leads_per_tenant from params)) as bigint)) as lead_id,
        uid('mailbox', g.t * 5 + cast(floor(rnd('day_mailbox', d * 10000000 + i) * 5) as integer)) as email_account_id,
        (select as_of from params) + to_days(d) + to_seconds(cast(rnd('day_sent', d * 10000000 + i) * 82800 as bigint))
            as sent_at
    from range(cast(epoch((select horizon from params)) - epoch((select as_of from params)) as bigint) // 86400) as days (d)
    cross join range(greatest(10, cast((select messages from params) / 100 as bigint))) as r (i)
    inner join g_tenants as g
        on g.t = cast(floor(rnd('day_tenant', d * 10000000 + i) * (select tenants from params)) as bigint)
    where g.created + interval 3 day < (select as_of from params)
),

all_sends as (
    select * from campaign_messages
    union all
    select * from warmup_messages
    union all
    select * from daily_sends
)

select
    all_sends.*,
    tenant.created as tenant_created,
    tenant.deleted as tenant_deleted
from all_sends
left join g_tenants as tenant on all_sends.tenant_id = tenant.id
-- a deleted tenant's sends mostly stop; a trickle still leaks through (bad input of spec 8)
where tenant.deleted is null or all_sends.sent_at <= tenant.deleted or all_sends.i % 20 = 0;

-- bad input on about 0.1% of messages, each case its own slice of the id space
create or replace temp table email_messages_out as
with cased as (
    select
        *,
        case
            when i % 5003 = 17 then 'message_null_id'
            when i % 5003 = 29 then 'message_unknown_type'
            when i % 5003 = 41 then 'message_unknown_tenant'
            when i % 5003 = 53 then 'message_unknown_mailbox'
            when i % 5003 = 67 and message_type = 'campaign' then 'message_missing_lead'
            when i % 10007 = 79 then 'message_future_sent_at'
            when i % 5003 = 97 then 'message_before_tenant_created'
            when tenant_deleted is not null and sent_at > tenant_deleted then 'message_after_tenant_deleted'
            when is_messy(i) then 'mixed_case_vocabulary'
        end as _case
    from g_messages
)
select
    case when _case = 'message_null_id' then null else uid('message', i) end as id,
    case when _case = 'message_unknown_tenant' then uid('ghost_tenant', i) else tenant_id end as tenant_id,
    case when _case = 'message_unknown_type' then 'bulk' else messy(message_type, i) end as message_type,
    campaign_id,
    step_id,
    case when _case = 'message_missing_lead' then null else lead_id end as lead_id,
    case when _case = 'message_unknown_mailbox' then uid('ghost_mailbox', i) else email_account_id end
        as email_account_id,
    case
        when _case = 'message_future_sent_at' then cast('2099-01-01 00:00:00+00' as timestamptz) + to_seconds(i % 86400)
        when _case = 'message_before_tenant_created' then tenant_created - interval 2 day
        else sent_at
    end as sent_at,
    sent_at as created,
    extract_after(sent_at) as _extracted_at,
    _case
from cased
where extract_after(sent_at) <= (select horizon from params);

-- provider events: about 95% delivered (soft bounces sometimes delivered later), 40% opened (some by
-- bots), replies, unsubscribes, complaints; then the bad input of spec 8
create or replace temp table g_events as
with m as (
    select i, uid('message', i) as message_id, sent_at, message_type, rnd('outcome', i) as u
    from g_messages
),
delivered as (
    select *, case when u >= 0.02 and u < 0.035 then sent_at + interval 2 hour
        else sent_at + to_seconds(5 + cast(rnd('delivery', i) * 600 as integer)) end as delivered_at
    from m
    where u >= 0.02 and not (u >= 0.035 and u < 0.045)
),
opened as (
    select *, delivered_at + to_seconds(cast(rnd('open_at', i) * 259200 as integer)) as opened_at
    from delivered where rnd('open', i) < 0.42
),
events as (
    select i, message_id, 0 as k, 'delivered' as event_type, delivered_at as occurred_at,
        null as bounce_type, false as is_bot, sent_at, null as _case
    from delivered
    union all
    select i, message_id, 1, 'bounced', sent_at + to_seconds(30 + cast(rnd('bounce_at', i) * 60 as integer)),
        case when u < 0.02 then 'hard' else 'soft' end, false, sent_at, null
    from m where u < 0.045
    union all
    select i, message_id, 2, 'opened', opened_at, null,
        case when rnd('bot', i) < 0.15 then true when rnd('bot', i) < 0.25 then null else false end, sent_at, null
    from opened
    union all
    select i, message_id, 3, 'opened', opened_at + to_seconds(cast(rnd('reopen', i) * 86400 as integer)), null, false,
        sent_at, null
    from opened where rnd('reopen_p', i) < 0.3
    union all
    select i, message_id, 4, 'clicked', opened_at + to_seconds(cast(rnd('click_at', i) * 600 as integer)), null,
        rnd('click_bot', i) < 0.1, sent_at, null
    from opened where rnd('click', i) < 0.25
    union all
    select i, message_id, 5, 'replied', delivered_at + to_seconds(cast(rnd('reply_at', i) * 432000 as integer)), null,
        false, sent_at, null
    from delivered where rnd('reply', i) < case when message_type = 'warmup' then 0.2 else 0.03 end
    union all
    select i, message_id, 6, 'unsubscribed', delivered_at + to_seconds(cast(rnd('unsub_at', i) * 86400 as integer)),
        null, false, sent_at, null
    from delivered where message_type = 'campaign' and rnd('unsub', i) < 0.006
    union all
    select i, message_id, 7, 'spam_complaint', delivered_at + to_seconds(cast(rnd('spam_at', i) * 86400 as integer)),
        null, false, sent_at, null
    from delivered where rnd('spam', i) < 0.001
    union all
    select i, message_id, 8, case when i % 2 = 0 then 'deferred' else 'processed' end, sent_at + interval 1 minute,
        null, false, sent_at, 'event_unknown_type'
    from m where i % 997 = 3
    union all
    select i, message_id, 9, 'delivered', sent_at - interval 30 minute, null, false, sent_at, 'event_clock_skew_within_hour'
    from m where i % 1999 = 5
    union all
    select i, message_id, 10, 'opened', sent_at - interval 3 hour, null, false, sent_at, 'event_before_message'
    from m where i % 2003 = 7
    union all
    select i, message_id, 11, 'clicked', cast('2099-06-01 00:00:00+00' as timestamptz) + to_seconds(i % 86400), null,
        false, sent_at, 'event_future_occurred_at'
    from m where i % 4999 = 9
    union all
    select i, uid('ghost_message', i), 12, 'opened', sent_at + interval 1 hour, null, false, sent_at,
        'event_unknown_message'
    from m where i % 1009 = 13
    union all
    select i, null, 13, 'delivered', sent_at + interval 1 minute, null, false, sent_at, 'event_null_message_id'
    from m where i % 4001 = 15
)
select
    uid('event', i * 16 + k) as id,
    message_id,
    messy(event_type, i * 16 + k) as event_type,
    occurred_at,
    bounce_type,
    is_bot,
    case when _case is null and rnd('payload', i * 16 + k) < 0.002 then '{"provider": "ses", "event": '
        else '{"provider": "ses", "event": "' || event_type || '", "attempt": ' || k || '}' end as payload,
    occurred_at + to_seconds(1 + cast(rnd('received', i * 16 + k) * 30 as integer)) as received_at,
    case when occurred_at > sent_at + interval 1 day * 30 or occurred_at < sent_at then extract_after(sent_at)
        else extract_after(occurred_at) end as _extracted_at,
    coalesce(_case, case when is_messy(i * 16 + k) then 'mixed_case_vocabulary' end) as _case,
    _case is null and rnd('payload', i * 16 + k) < 0.002 as _malformed_payload,
    rnd('retry', i * 16 + k) < 0.006 as _retried
from events;

create or replace temp table email_events_out as
select id, message_id, event_type, occurred_at, bounce_type, is_bot, payload, received_at, _extracted_at, _case,
    _malformed_payload
from g_events
where _extracted_at <= (select horizon from params)
union all
select id, message_id, event_type, occurred_at, bounce_type, is_bot, payload, received_at + interval 1 day,
    _extracted_at + interval 1 day, 'event_duplicate_retry', false
from g_events
where _retried and _extracted_at + interval 1 day <= (select horizon from params);

-- enrolments: every campaign-and-lead pair that was sent to; their status moves as they finish
create or replace temp table campaign_leads_out as
with pairs as (
    select campaign_id, lead_id, min(sent_at) - interval 1 hour as enrolled, min(i) as k
    from g_messages
    where message_type = 'campaign'
    group by campaign_id, lead_id
),
versions as (
    select *, 0 as v, 'active' as status, cast(null as timestamptz) as completed, enrolled as updated
    from pairs
    union all
    select *, 1,
        case when rnd('enrol', k) < 0.55 then 'completed' when rnd('enrol', k) < 0.6 then 'replied'
            when rnd('enrol', k) < 0.63 then 'bounced' when rnd('enrol', k) < 0.65 then 'unsubscribed'
            when rnd('enrol', k) < 0.655 then 'on_hold' else 'stopped' end,
        enrolled + to_days(7 + cast(rnd('enrol_done', k) * 20 as integer)),
        enrolled + to_days(7 + cast(rnd('enrol_done', k) * 20 as integer))
    from pairs
    where rnd('enrol_moves', k) < 0.7
)
select
    campaign_id, lead_id,
    case when status = 'on_hold' then status else messy(status, k * 2 + v) end as status,
    1 + v * 2 as current_step_order, enrolled, case when status != 'on_hold' then completed end as completed,
    updated, extract_after(updated) as _extracted_at,
    case when status = 'on_hold' then 'enrolment_status_out_of_vocabulary'
        when is_messy(k * 2 + v) then 'mixed_case_vocabulary' end as _case
from versions
where extract_after(updated) <= (select horizon from params);

-- admin audit events: a few per tenant per week; low-risk actions included (the policy filters
-- them); a few actions the policy does not know; some malformed JSON; some re-extracted copies
create or replace temp table g_audit as
with policy as (
    select action, row_number() over (order by action) - 1 as n, count(*) over () as actions
    from read_csv('__POLICY_CSV__', header = true)
),
raw_events as (
    select g.t * 1000 + n as a, g.id as tenant_id, g.created + to_hours(cast(n * 56 + rnd('audit_at', g.t * 1000 + n) * 50 as integer)) as created
    from g_tenants as g, range(300) as r (n)
)
select
    raw_events.a, raw_events.tenant_id, raw_events.created,
    case when rnd('audit_unknown', raw_events.a) < 0.03 then 'api_key.rotate' else policy.action end as action
from raw_events
inner join policy
    on policy.n = cast(floor(rnd('audit_action', raw_events.a) * policy.actions) as integer)
where raw_events.created <= (select horizon from params);

create or replace temp table admin_audit_events_out as
with shaped as (
    select
        uid('audit', a) as id, created, uid('admin', a % 17) as admin_user_id,
        case when rnd('audit_messy', a) < 0.03 then upper(action) || ' ' else action end as action,
        split_part(action, '.', 1) as resource_type, uid('resource', a % 5000) as resource_id, tenant_id,
        case when rnd('audit_json', a) < 0.01 then '{"role": "viewer"' else '{"role": "viewer", "active": true}' end
            as old_values,
        '{"role": "admin", "active": true}' as new_values,
        '{"request_id": "' || substr(md5(cast(a as varchar)), 1, 12) || '", "source": "admin-console"}' as metadata,
        '10.' || (a % 200) || '.' || (a % 13) || '.' || (a % 7) as ip_address,
        'Mozilla/5.0 (admin console)' as user_agent, case when a % 9 = 0 then 'ticket ' || (a % 1000) end as notes,
        extract_after(created) as _extracted_at,
        case when rnd('audit_json', a) < 0.01 then 'audit_malformed_json'
            when rnd('audit_unknown', a) < 0.03 then 'audit_unknown_action'
            when rnd('audit_messy', a) < 0.03 then 'mixed_case_vocabulary' end as _case,
        rnd('audit_copy', a) < 0.01 as _copied
    from g_audit
)
select * exclude (_copied) from shaped
union all
select * exclude (_copied) replace (_extracted_at + interval 1 day as _extracted_at, 'audit_duplicate_extract' as _case)
from shaped
where _copied and _extracted_at + interval 1 day <= (select horizon from params);
