{#-
    What the run log keeps. A row is written only by the commands that resolve and use an as-of (build, run, test,
    seed, snapshot, retry): `dbt source freshness` (the job's first step) and other commands leave none, so no row is
    left that never completes.
-#}
{% macro records_warehouse_run() -%}
    {{ return(invocation_args_dict.get('which') in ['build', 'run', 'test', 'seed', 'snapshot', 'retry']) }}
{%- endmacro %}

{#-
    on-run-end, after finish_warehouse_run: the run log (`warehouse_runs`), the raw counts (`warehouse_raw_counts`)
    and the publication log (`warehouse_audits`) forget what is older than var('run_log_retention_days') (400: a
    year of daily runs and a margin, a few thousand small rows). What a run reads back is never forgotten: the last
    completed run (the incremental baseline, its as-of and raw counts) and the latest publication-log row (what a
    retry completes). Only the commands that write the logs prune them.
-#}
{% macro prune_run_logs() -%}
    {%- if not execute or invocation_args_dict.get('which') not in ['build', 'run', 'retry'] -%}
        {{ return('select 1 as nothing_to_prune') }}
    {%- endif -%}
    {%- set runs = warehouse_runs_relation() -%}
    {%- set counts = warehouse_raw_counts_relation() -%}
    {%- set audits = warehouse_audits_relation() -%}
    {%- set days = var('run_log_retention_days', 400) | int -%}
    {%- set cutoff = timestamp_literal(utc_iso_string(run_started_at - modules.datetime.timedelta(days=days))) -%}
    {%- set statements = [] -%}
    {%- if adapter.get_relation(runs.database, runs.schema, runs.identifier) is not none -%}
        {%- set last_completed = latest_invocation(runs, 'completed_at is not null') -%}
        {%- do statements.append(delete_rows_where(runs,
            'run_started_at < ' ~ cutoff ~ ' and invocation_id not in (' ~ last_completed ~ ')')) -%}
        {%- if adapter.get_relation(counts.database, counts.schema, counts.identifier) is not none -%}
            {%- do statements.append(delete_rows_where(counts,
                'invocation_id not in (select logged.invocation_id from ' ~ runs ~ ' as logged'
                ~ ' where logged.invocation_id is not null)')) -%}
        {%- endif -%}
    {%- endif -%}
    {%- if adapter.get_relation(audits.database, audits.schema, audits.identifier) is not none -%}
        {%- set latest_audit = latest_invocation(audits, "invocation_id <> '" ~ invocation_id ~ "'") -%}
        {%- do statements.append(delete_rows_where(audits,
            'run_started_at < ' ~ cutoff ~ ' and invocation_id not in (' ~ latest_audit ~ ')')) -%}
    {%- endif -%}
    {%- if not statements -%}
        {{ return('select 1 as nothing_to_prune') }}
    {%- endif -%}
    {#- committed as finish_warehouse_run's statement is: an on-run-end hook runs outside any open transaction #}
    {{ return(hook_statements(statements)) }}
{%- endmacro %}

{#- SQL: a one-row subquery of the invocation id of the latest row of a log (by `run_started_at`) where `condition` holds. -#}
{% macro latest_invocation(relation, condition) -%}
    select kept.invocation_id from (
        select invocation_id from {{ relation }}
        where {{ condition }}
        order by run_started_at desc
        limit 1
    ) as kept
{%- endmacro %}
