{#-
    Recomputation by billing period: the one pattern of every incremental model below staging.

    `int_touched_periods` lists the (tenant, billing period) pairs whose results can have changed,
    each with the kind of change: `messages` (a message, an event or a quarantine reason of the
    period), `attributes` (an entity shown in a mart row of the period has a new version) or
    `window` (the mailbox windows of the period moved with the as-of). A model declares the kinds
    it depends on; on an incremental run it selects only the rows of those periods (and the rows
    that belong to no period yet), and the `billing_periods` strategy deletes the same periods from
    the table before inserting the new rows, in one transaction. A period that has no rows any
    more simply loses them. A full build, a build at an earlier as-of, or a first run after a
    model was added recomputes every period.
-#}
{% macro recomputed_by_billing_period(changes) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'billing_periods',
        'on_schema_change': 'fail',
        'meta': {'recomputed_for': changes},
    }) }}
{%- endmacro %}

{#- True when this model recomputes only the touched periods (an incremental run that is not full). -#}
{% macro recomputes_touched_periods_only() -%}
    {%- if not execute or this is none or not is_incremental() -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set query -%}
        select count(*) from {{ ref('int_touched_periods') }} where billing_id is null
    {%- endset -%}
    {{ return(run_query(query).columns[0].values()[0] == 0) }}
{%- endmacro %}

{#- SQL: `billing_column` is a period this model recomputes (the kinds of change of its config). -#}
{% macro in_touched_periods(billing_column='billing_id') -%}
    {{ billing_column }} in (
        select touched.billing_id
        from {{ ref('int_touched_periods') }} as touched
        where touched.change_kind in ('{{ config.get("meta")["recomputed_for"] | join("', '") }}')
    )
{%- endmacro %}

{#-
    The `billing_periods` incremental strategy: delete the recomputed periods (and rows of no period,
    which are always recomputed), then insert the run's rows.
-#}
{% macro get_incremental_billing_periods_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set columns = arg_dict['dest_columns'] | map(attribute='quoted') | join(', ') -%}
    delete from {{ target }}
    {%- if recomputes_touched_periods_only() %}
    where billing_id is null or {{ in_touched_periods() }}
    {%- endif %};
    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}

{#-
    The rows of `relation` with the billing period that holds `time_column` for their tenant
    (`billing_id`, `period_start`; null when none does: no such tenant, no sign-up, a time before it
    or beyond the last period). An equi-join on (tenant, period index), not a range join.
-#}
{% macro with_billing_period(relation, tenant_column, time_column) -%}
    select
        placed.*,
        periods.billing_id,
        periods.period_start
    from (
        select
            {{ relation }}.*,
            {{ billing_period_index('anchors.anchor_at', relation ~ '.' ~ time_column) }} as period_index
        from {{ relation }}
        left join {{ ref('int_billing_periods') }} as anchors
            on {{ relation }}.{{ tenant_column }} = anchors.tenant_id and anchors.period_index = 0
    ) as placed
    left join {{ ref('int_billing_periods') }} as periods
        on placed.{{ tenant_column }} = periods.tenant_id and placed.period_index = periods.period_index
{%- endmacro %}
