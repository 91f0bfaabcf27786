{{
    config(
        materialized=staged_extract_materialization(),
        incremental_strategy='delete+insert',
        unique_key='message_id',
        on_schema_change='fail',
        pre_hook="{{ delete_recomputed_rows() }}",
    )
}}
{#-
    One row per message id. Messages are immutable, but a re-extract may copy one again: the latest
    extract wins. Incremental: a run takes the copies extracted since the last completed run’s as-of
    (less the lookback) and replaces the staged row of each id (rows with a null id are taken once,
    past the high-water mark); the table is the same as a full rebuild’s. `staged_at` says when the
    row’s values were first staged: a copy read again with the same values keeps it, so the changed
    messages of a run are those staged since the last completed run.
-#}
{%- set lower_bound = incremental_lower_bound() %}

with

source as (
    select * from {{ source('oltp', 'email_messages') }}
    where _extracted_at <= {{ as_of() }}
    {%- if lower_bound is not none %}
        and (
            (id is not null and _extracted_at > {{ lower_bound }})
            or (id is null and _extracted_at > {{ incremental_high_water_mark() }})
        )
    {%- endif %}
),

latest as (
    {{ latest_version(
        'source', 'id',
        order_by='_extracted_at desc nulls last, created desc nulls last',
        tie_breakers=['sent_at asc nulls last', 'message_type asc nulls last'],
        keyless_copies_once=true
    ) }}
),

staged as (
    select
        cast(id as {{ dbt.type_string() }}) as message_id,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        {{ normalize_vocabulary('message_type') }} as message_type,
        cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(step_id as {{ dbt.type_string() }}) as step_id,
        cast(lead_id as {{ dbt.type_string() }}) as lead_id,
        cast(email_account_id as {{ dbt.type_string() }}) as mailbox_id,
        cast(sent_at as {{ type_timestamp_tz() }}) as sent_at,
        cast(created as {{ type_timestamp_tz() }}) as created_at,
        _extracted_at as extracted_at
    from latest
),

final as (
    {%- if lower_bound is none %}
        select
            *,
            {{ run_started_at_literal() }} as staged_at
        from staged
    {%- else %}
        select
            staged.*,
            {{ staged_at(
                'staged', 'stored', 'message_id',
                ['tenant_id', 'message_type', 'campaign_id', 'step_id', 'lead_id', 'mailbox_id', 'sent_at', 'created_at']
            ) }} as staged_at
        from staged
        left join {{ this }} as stored
            on staged.message_id = stored.message_id
    {%- endif %}
)

select * from final
