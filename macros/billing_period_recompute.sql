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
    {{ return(adapter.dispatch('recomputed_by_billing_period', 'outreach_warehouse')(changes)) }}
{%- endmacro %}

{% macro default__recomputed_by_billing_period(changes) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'billing_periods',
        'on_schema_change': 'fail',
        'meta': {'recomputed_for': changes},
    }) }}
{%- endmacro %}

{#-
    Spark: the table is partitioned by `billing_id` (parquet; rows of no period in the null partition), and a run
    overwrites the partitions of the periods it recomputes (`insert_overwrite`, dynamic partition overwrite). Dynamic
    overwrite leaves alone a partition that gets no row, so a pre-hook first drops the recomputed periods'
    partitions (and the null one): a period with no rows any more loses them, as on the other engines.
-#}
{% macro spark__recomputed_by_billing_period(changes) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'insert_overwrite',
        'file_format': 'parquet',
        'partition_by': ['billing_id'],
        'on_schema_change': 'fail',
        'meta': {'recomputed_for': changes},
        'pre_hook': ['{{ drop_recomputed_partitions() }}'],
    }) }}
{%- endmacro %}

{#-
    Pre-hook of a billing-period model on Spark: drops the partitions this run recomputes (the touched periods of its
    kinds, and the partition of rows with no period), or empties the table when the run recomputes every period.
-#}
{% macro drop_recomputed_partitions() -%}
    {%- if not execute or not is_incremental() -%}
        {{ return('select 1 as nothing_to_drop') }}
    {%- endif -%}
    {%- if not recomputes_touched_periods_only() -%}
        {{ return('truncate table ' ~ this) }}
    {%- endif -%}
    {%- set touched_query -%}
        select distinct cast(touched.billing_id as string)
        from {{ ref('int_touched_periods') }} as touched
        where touched.change_kind in ('{{ config.get("meta")["recomputed_for"] | join("', '") }}')
    {%- endset -%}
    {%- set touched = run_query(touched_query).columns[0].values() -%}
    {%- set dropped = [] -%}
    {%- for row in run_query('show partitions ' ~ this).rows -%}
        {%- set value = row[0].split('=', 1)[1] -%}
        {%- if value == '__HIVE_DEFAULT_PARTITION__' -%}
            {%- do dropped.append('partition (billing_id = null)') -%}
        {%- elif value in touched -%}
            {%- do dropped.append('partition (billing_id = ' ~ value ~ ')') -%}
        {%- endif -%}
    {%- endfor -%}
    {#- the rows of no period, copied before their partition goes, for a model that reads them (stored_rows_without_period) -#}
    {%- set statements = [] -%}
    {%- if 'stored_rows_without_period' in model.raw_code -%}
        {%- set copy = stored_rows_without_period() -%}
        {%- do statements.append('drop table if exists ' ~ copy) -%}
        {%- do statements.append('create table ' ~ copy ~ ' using parquet as select * from ' ~ this ~ ' where billing_id is null') -%}
    {%- endif -%}
    {%- if dropped -%}
        {%- do statements.append('alter table ' ~ this ~ ' drop if exists ' ~ dropped | join(', ')) -%}
    {%- endif -%}
    {{ return(hook_statements(statements) if statements else 'select 0 as partitions_dropped') }}
{%- endmacro %}

{#-
    SQL: the rows this model stored without a period (billing_id null), as they were before this run: its own
    table elsewhere; on Spark, whose pre-hook drops the null partition before the model's query runs, the copy
    that pre-hook took first (`<table>__no_period`).
-#}
{% macro stored_rows_without_period() -%}
    {{ return(adapter.dispatch('stored_rows_without_period', 'outreach_warehouse')()) }}
{%- endmacro %}

{% macro default__stored_rows_without_period() -%}
    (select * from {{ this }} where billing_id is null)
{%- endmacro %}

{% macro spark__stored_rows_without_period() -%}
    {{ this.incorporate(path={'identifier': this.identifier ~ '__no_period'}) }}
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

{#-
    SQL: `billing_column` is a period this model recomputes (the kinds of change in its config), or
    `true` when the model recomputes every period.
-#}
{% macro in_touched_periods(billing_column='billing_id') -%}
    {%- if recomputes_touched_periods_only() -%}
        {{ billing_column }} in (
            select touched.billing_id
            from {{ ref('int_touched_periods') }} as touched
            where touched.change_kind in ('{{ config.get("meta")["recomputed_for"] | join("', '") }}')
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#-
    The `billing_periods` incremental strategy: delete the recomputed periods (and rows of no period,
    which are always recomputed), then insert the run's rows.
-#}
{% macro get_incremental_billing_periods_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set columns = arg_dict['dest_columns'] | map(attribute='quoted') | join(', ') -%}
    delete from {{ target }}
    where billing_id is null or {{ in_touched_periods() }};
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
