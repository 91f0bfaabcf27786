{{ config(meta={'published_access': 'billing_period'}) }}
{{
    config(
        pre_hook="{{ delete_recomputed_rows(previous=recomputes_keys_since()) }}",
        post_hook="{% if is_incremental() %}delete from {{ this }} where sent = 0{% else %}select 1 as nothing_to_delete{% endif %}",
        **recomputed_by_message('id')
    )
}}
{#-
    Grain: one row per lead, campaign and billing period in which the campaign sent to the lead
    (rules: models/docs/rules_message_funnel.md). No personal data: the lead is known by its id only.

    Incremental: recomputed by its own keys: those where a message recomputed since the last completed
    run counted before or counts now (`int_messages_classified`), those whose enrolment has a new
    version, and those written by runs that did not complete. A key whose messages all left is written
    once with no messages, so that delete+insert on `id` replaces its row; the post-hook then drops it.
-#}
-- depends_on: {{ ref('int_messages_classified') }}, {{ source('oltp', 'campaign_leads') }}
{%- set previous = recomputes_keys_since() %}

with

{%- if previous is not none %}

    recomputed_messages as (
        select * from {{ ref('int_messages_classified') }}
        where recomputed_at > {{ previous['started_at'] }}
    ),

    changed_enrolments as (
        -- enrolments whose status has a new value (lead_analytics shows it)
        {{ changed_entity_keys('campaign_leads', ['status'], previous, key=['campaign_id', 'lead_id']) }}
    ),

    recomputed_keys as (
        select
            lead_id,
            campaign_id,
            billing_id
        from recomputed_messages
        where quarantine_reason is null and message_type = 'campaign'
        union
        select
            lead_id_before as lead_id,
            campaign_id_before as campaign_id,
            billing_id_before as billing_id
        from recomputed_messages
        where counted_before
        union
        select
            lead_id,
            campaign_id,
            billing_id
        from {{ this }}
        where updated > {{ previous['started_at'] }}
        union
        select
            stored.lead_id,
            stored.campaign_id,
            stored.billing_id
        from {{ this }} as stored
        inner join changed_enrolments
            on stored.campaign_id = changed_enrolments.campaign_id and stored.lead_id = changed_enrolments.lead_id
    ),

    messages as (
        select outcomes.*
        from {{ ref('int_message_outcomes') }} as outcomes
        inner join recomputed_keys
            on
                outcomes.lead_id = recomputed_keys.lead_id
                and outcomes.campaign_id = recomputed_keys.campaign_id
                and outcomes.billing_id = recomputed_keys.billing_id
        where outcomes.message_type = 'campaign'
    ),

{%- else %}

    messages as (
        select * from {{ ref('int_message_outcomes') }}
        where message_type = 'campaign'
    ),

{%- endif %}

enrolments as (
    select * from {{ ref('stg_oltp__campaign_leads') }}
),

lead_totals as (
    {{ funnel_rollup('messages', ['lead_id', 'campaign_id', 'billing_id']) }}
),

lead_rows as (
    select
        {{ bigint_key(['lead_totals.lead_id', 'lead_totals.campaign_id', epoch_seconds('lead_totals.period_start')]) }}
            as id,
        lead_totals.lead_id,
        lead_totals.campaign_id,
        lead_totals.sent,
        lead_totals.delivered,
        lead_totals.opened_tracked,
        lead_totals.clicked_tracked,
        lead_totals.replied,
        lead_totals.bounced,
        lead_totals.unsubscribed,
        lead_totals.spam_complaints,
        {{ vocabulary_value('enrolments.enrolment_status', 'enrolment_status') }} as status,
        lead_totals.billing_id,
        {{ run_started_at_literal() }} as updated
    from lead_totals
    left join enrolments
        on
            lead_totals.campaign_id = enrolments.campaign_id
            and lead_totals.lead_id = enrolments.lead_id
),

{%- if previous is none %}

    final as (
        select * from lead_rows
    )

{%- else %}

    emptied_rows as (
        -- every stored row of a recomputed key, empty: where the key still has messages, its new row wins below;
        -- where its messages all left, the empty row replaces the stored one and the post-hook drops it (a window,
        -- not an anti-join: no plan that a misestimated multi-column join can make quadratic)
        select
            stored.id,
            stored.lead_id,
            stored.campaign_id,
            {%- for counter in funnel_counter_names() %}
            0 as {{ counter }},
            {%- endfor %}
            stored.status,
            stored.billing_id,
            {{ run_started_at_literal() }} as updated
        from {{ this }} as stored
        inner join recomputed_keys
            on
                stored.lead_id = recomputed_keys.lead_id
                and stored.campaign_id = recomputed_keys.campaign_id
                and stored.billing_id = recomputed_keys.billing_id
    ),

    ranked as (
        select
            candidates.*,
            row_number() over (partition by candidates.id order by candidates.sent desc) as row_rank
        from (
            select * from lead_rows
            union all
            select * from emptied_rows
        ) as candidates
    ),

    final as (
        select
            id,
            lead_id,
            campaign_id,
            {%- for counter in funnel_counter_names() %}
            {{ counter }},
            {%- endfor %}
            status,
            billing_id,
            updated
        from ranked
        where row_rank = 1
    )

{%- endif %}

select * from final
