{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ forget_recomputed_periods() }}",
    )
}}
{#-
    One row per (tenant, billing period, kind of change) whose results can have changed since the
    last completed run: the unit of recomputation of every incremental model below staging. Rows
    stay until a run completes (every period-recomputing model succeeded), so a run killed half-way
    leaves them for the next one. One row with no period means "every period": a first or full
    build, or a build at an earlier as-of than the last completed run.

    What it reads: staged messages and events extracted since the last completed run's as-of (less
    the lookback), entity versions extracted since then, the billing periods, and the stored state
    the previous run left (its message and event classifications, billing and campaign marts), which
    tells where a row was before it moved. Kinds of change:
    - messages: a message or event of the period was extracted (its old period too, if it moved);
      a tenant has a new version (all its periods, old and new: its anchor may have moved); an
      entity arrived or changed that a message of the period references (it may start or stop
      counting); a quarantined send or event time was reached by the as-of.
    - attributes: a mailbox, domain, campaign or enrolment shown in a mart row of the period has a
      new version, or an enrolment of the period's campaigns completed.
    - window: the period's window end moved with the as-of, or a period with changed messages lies
      within the mailbox health window before it.
-#}
-- depends_on: {{ ref('int_billing_periods') }}, {{ ref('stg_oltp__tenants') }}
-- depends_on: {{ ref('stg_oltp__email_messages') }}, {{ ref('stg_oltp__email_events') }}
-- depends_on: {{ ref('stg_oltp__email_accounts') }}, {{ ref('stg_oltp__domains') }}
-- depends_on: {{ ref('stg_oltp__campaigns') }}, {{ ref('stg_oltp__campaign_sequence_steps') }}
-- depends_on: {{ ref('stg_oltp__leads') }}, {{ ref('stg_oltp__campaign_leads') }}
{%- set previous = previous_completed_run() if is_incremental() else none %}
{%- set stored = {} %}
{%- for model_name in ['int_messages_classified', 'int_events_classified', 'billing_analytics', 'campaign_analytics'] %}
    {%- do stored.update({model_name: stored_state(model_name)}) %}
{%- endfor %}
{%- if previous is not none and none in stored.values() %}
    {%- set previous = none %}
{%- endif %}

with

{%- if previous is none %}

    touched as (
        select
            cast(null as {{ dbt.type_string() }}) as tenant_id,
            cast(null as {{ dbt.type_bigint() }}) as billing_id,
            'messages' as change_kind,
            'every_period' as reason
    ),

{%- else %}
    {%- set since = previous['changes_since'] %}

periods as (
    select * from {{ ref('int_billing_periods') }}
),

changed_messages as (
    select message_id from {{ ref('stg_oltp__email_messages') }}
    where extracted_at > {{ since }}
    union
    select message_id from {{ ref('stg_oltp__email_events') }}
    where extracted_at > {{ since }}
),

extracted_sends as (
    select
        staged.tenant_id,
        staged.sent_at
    from {{ ref('stg_oltp__email_messages') }} as staged
    inner join changed_messages
        on staged.message_id = changed_messages.message_id
),

extracted_periods as (
    {{ with_billing_period('extracted_sends', 'tenant_id', 'sent_at') }}
),

moved_rows as (
    -- where a re-extracted message or a re-staged event was before (it may have moved)
    select
        tenant_id,
        billing_id
    from {{ stored['int_messages_classified'] }}
    where message_id in (select message_id from {{ ref('stg_oltp__email_messages') }} where extracted_at > {{ since }})
    union all
    select
        tenant_id,
        billing_id
    from {{ stored['int_events_classified'] }}
    where event_id in (select event_id from {{ ref('stg_oltp__email_events') }} where extracted_at > {{ since }})
),

changed_tenants as (
    select tenant_id from {{ ref('stg_oltp__tenants') }}
    where extracted_at > {{ since }}
),

tenant_periods as (
    -- every period of a tenant with a new version, before and after: its anchor may have moved
    select
        tenant_id,
        billing_id
    from periods
    where tenant_id in (select tenant_id from changed_tenants)
    union all
    select
        tenant_id,
        id as billing_id
    from {{ stored['billing_analytics'] }}
    where tenant_id in (select tenant_id from changed_tenants)
    union all
    select
        tenant_id,
        billing_id
    from {{ stored['int_messages_classified'] }}
    where tenant_id in (select tenant_id from changed_tenants)
),

changed_mailboxes as (
    select mailbox_id from {{ ref('stg_oltp__email_accounts') }}
    where
        extracted_at > {{ since }}
        or domain_id in (select domain_id from {{ ref('stg_oltp__domains') }} where extracted_at > {{ since }})
),

changed_campaigns as (
    select campaign_id from {{ ref('stg_oltp__campaigns') }}
    where extracted_at > {{ since }}
),

changed_enrolments as (
    select
        campaign_id,
        lead_id,
        completed_at
    from {{ ref('stg_oltp__campaign_leads') }}
    where extracted_at > {{ since }}
),

entity_arrivals as (
    -- an entity that arrived can end a quarantine; a step with a new version may have moved to
    -- another campaign, which quarantines the messages it sent
    select
        tenant_id,
        billing_id
    from {{ stored['int_messages_classified'] }}
    where
        step_id in (select step_id from {{ ref('stg_oltp__campaign_sequence_steps') }} where extracted_at > {{ since }})
        or (
            quarantine_reason is not null
            and (
                mailbox_id in (select mailbox_id from changed_mailboxes)
                or campaign_id in (select campaign_id from changed_campaigns)
                or lead_id in (select lead_id from {{ ref('stg_oltp__leads') }} where extracted_at > {{ since }})
            )
        )
),

reached_sends as (
    -- a send beyond the previous as-of that this one has reached, placed in today's periods: it may lie in
    -- a period that did not exist yet
    select
        tenant_id,
        sent_at
    from {{ stored['int_messages_classified'] }}
    where quarantine_reason = 'future_sent_at' and sent_at <= {{ as_of() }}
),

reached_send_periods as (
    {{ with_billing_period('reached_sends', 'tenant_id', 'sent_at') }}
),

reached_times as (
    select
        tenant_id,
        billing_id
    from reached_send_periods
    union all
    -- an event time beyond the previous as-of that this one has reached (its message counts: it has a period)
    select
        tenant_id,
        billing_id
    from {{ stored['int_events_classified'] }}
    where quarantine_reason = 'future_occurred_at' and occurred_at <= {{ as_of() }}
),

message_changes as (
    select
        tenant_id,
        billing_id,
        'message_extracted' as reason
    from extracted_periods
    union all
    select
        tenant_id,
        billing_id,
        'moved_row' as reason
    from moved_rows
    union all
    select
        tenant_id,
        billing_id,
        'tenant_changed' as reason
    from tenant_periods
    union all
    select
        tenant_id,
        billing_id,
        'entity_changed' as reason
    from entity_arrivals
    union all
    select
        tenant_id,
        billing_id,
        'time_reached' as reason
    from reached_times
),

completing_enrolments as (
    select
        campaigns.tenant_id,
        changed_enrolments.completed_at
    from changed_enrolments
    inner join {{ ref('stg_oltp__campaigns') }} as campaigns
        on changed_enrolments.campaign_id = campaigns.campaign_id
    where changed_enrolments.completed_at is not null
),

completion_periods as (
    {{ with_billing_period('completing_enrolments', 'tenant_id', 'completed_at') }}
),

attribute_changes as (
    -- entities shown in mart rows: mailboxes (and their domain), campaigns, enrolments
    select
        stored_messages.tenant_id,
        stored_messages.billing_id
    from {{ stored['int_messages_classified'] }} as stored_messages
    where
        stored_messages.quarantine_reason is null
        and (
            stored_messages.mailbox_id in (select mailbox_id from changed_mailboxes)
            or stored_messages.campaign_id in (select campaign_id from changed_campaigns)
            or exists (
                select 1 from changed_enrolments
                where
                    changed_enrolments.campaign_id = stored_messages.campaign_id
                    and changed_enrolments.lead_id = stored_messages.lead_id
            )
        )
    union all
    -- the periods where a changed enrolment completes now, or where its campaign's completions were
    select
        tenant_id,
        billing_id
    from completion_periods
    union all
    select
        periods.tenant_id,
        stored_campaigns.billing_id
    from {{ stored['campaign_analytics'] }} as stored_campaigns
    inner join periods
        on stored_campaigns.billing_id = periods.billing_id
    where
        stored_campaigns.completed_leads > 0
        and (
            stored_campaigns.campaign_id in (select campaign_id from changed_enrolments)
            or stored_campaigns.campaign_id in (select campaign_id from changed_campaigns)
        )
),

window_changes as (
    -- window ends are least(period_end, as-of): those of periods ending after the previous as-of moved
    select
        tenant_id,
        billing_id
    from periods
    where period_end > {{ previous['as_of_at'] }}
    union all
    -- a mailbox window reaches back var('health_window_hours') from its end into earlier periods
    select
        later.tenant_id,
        later.billing_id
    from message_changes
    inner join periods as changed
        on message_changes.billing_id = changed.billing_id
    inner join periods as later
        on
            changed.tenant_id = later.tenant_id
            and later.period_start > changed.period_start
            and later.period_start < {{ dbt.dateadd('hour', var('health_window_hours'), 'changed.period_end') }}
),

touched as (
    select
        tenant_id,
        billing_id,
        'messages' as change_kind,
        reason
    from message_changes
    union all
    select
        tenant_id,
        billing_id,
        'attributes' as change_kind,
        'entity_changed' as reason
    from attribute_changes
    union all
    select
        tenant_id,
        billing_id,
        'window' as change_kind,
        'window_moved' as reason
    from window_changes
),
{%- endif %}

final as (
    select distinct
        tenant_id,
        billing_id,
        change_kind,
        reason,
        {{ as_of() }} as as_of_at,
        {{ run_started_at_literal() }} as recorded_at
    from touched
    {%- if previous is not none %}
        where billing_id is not null
    {%- endif %}
)

select * from final
