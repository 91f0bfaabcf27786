{#-
    One row per message whose classification or outcome can have changed since the last completed run:
    the unit of work of the per-message tables (docs/incremental-design.md). Empty when the run recomputes
    everything (a first or full build, changed settings or code, an earlier as-of; always on Spark).
    A message changes when
    - it was staged with new values (a new message, or a re-extract that differs: one that the lookback
      reads again unchanged keeps its staging time);
    - an event of it was staged (new and late events, webhook retries of any age);
    - the as-of reached its send time, or the time of one of its events (they were in the future);
    - its tenant arrived or changed its sign-up or deletion time (billing periods and the quarantine
      rules read them), or the advancing as-of pushed its sign-up beyond the oldest usable anchor;
    - its mailbox, campaign or lead arrived (it may stop waiting in quarantine), or its step arrived or
      moved to another campaign.
-#}
-- depends_on: {{ ref('stg_oltp__email_messages') }}, {{ ref('stg_oltp__email_events') }}
-- depends_on: {{ ref('stg_oltp__tenants') }}
-- depends_on: {{ source('oltp', 'tenants') }}, {{ source('oltp', 'campaign_sequence_steps') }}
-- depends_on: {{ source('oltp', 'email_accounts') }}, {{ source('oltp', 'campaigns') }}, {{ source('oltp', 'leads') }}
{%- set previous = changes_since_last_run() %}

with

{%- if previous is none %}

    changes as (
        select
            cast(null as {{ dbt.type_string() }}) as message_id,
            cast(null as {{ dbt.type_string() }}) as change_reason
        where 1 = 0
    ),

{%- else %}

    messages as (
        select * from {{ ref('stg_oltp__email_messages') }}
    ),

    events as (
        select * from {{ ref('stg_oltp__email_events') }}
    ),

    changed_tenants as (
        {{ changed_entity_keys('tenants', ['created', 'deleted'], previous) }}
    ),

    changed_steps as (
        {{ changed_entity_keys('campaign_sequence_steps', ['campaign_id'], previous) }}
    ),

    arrived_mailboxes as (
        {{ changed_entity_keys('email_accounts', [], previous) }}
    ),

    arrived_campaigns as (
        {{ changed_entity_keys('campaigns', [], previous) }}
    ),

    arrived_leads as (
        {{ changed_entity_keys('leads', [], previous) }}
    ),

    changes as (
        select
            message_id,
            'message_staged' as change_reason
        from messages
        where staged_at > {{ previous['started_at'] }}
        union all
        select
            message_id,
            'event_staged' as change_reason
        from events
        where staged_at > {{ previous['started_at'] }}
        union all
        select
            message_id,
            'send_time_reached' as change_reason
        from messages
        where sent_at > {{ previous['as_of_at'] }} and sent_at <= {{ as_of() }}
        union all
        select
            message_id,
            'event_time_reached' as change_reason
        from events
        where occurred_at > {{ previous['as_of_at'] }} and occurred_at <= {{ as_of() }}
        union all
        select
            messages.message_id,
            'tenant_changed' as change_reason
        from messages
        inner join changed_tenants
            on messages.tenant_id = changed_tenants.id
        union all
        -- a sign-up the advancing as-of pushed beyond the oldest usable billing anchor
        select
            messages.message_id,
            'tenant_changed' as change_reason
        from messages
        inner join {{ ref('stg_oltp__tenants') }} as tenants
            on messages.tenant_id = tenants.tenant_id
        where
            tenants.created_at >= {{ add_months(previous['as_of_at'], -1 * billing_anchor_max_months()) }}
            and tenants.created_at < {{ add_months(as_of(), -1 * billing_anchor_max_months()) }}
        union all
        select
            messages.message_id,
            'mailbox_arrived' as change_reason
        from messages
        inner join arrived_mailboxes
            on messages.mailbox_id = arrived_mailboxes.id
        union all
        select
            messages.message_id,
            'campaign_arrived' as change_reason
        from messages
        inner join arrived_campaigns
            on messages.campaign_id = arrived_campaigns.id
        union all
        select
            messages.message_id,
            'lead_arrived' as change_reason
        from messages
        inner join arrived_leads
            on messages.lead_id = arrived_leads.id
        union all
        select
            messages.message_id,
            'step_changed' as change_reason
        from messages
        inner join changed_steps
            on messages.step_id = changed_steps.id
    ),

{%- endif %}

final as (
    select
        message_id,
        min(change_reason) as change_reason
    from changes
    where message_id is not null
    group by message_id
)

select * from final
