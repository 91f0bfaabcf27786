{#-
    The run log, `warehouse_runs` in the intermediate schema: one row per dbt invocation that could
    resolve an as-of (invocation id, start, as-of, the fingerprint of the settings and code that change
    results, and when it completed). An invocation completes when every incremental model, and
    `int_changed_messages`, built successfully in it; the next run recomputes what changed since the last
    completed one. Bookkeeping only: no result of the warehouse is read from it except the as-of of the
    running invocation.
-#}
{% macro warehouse_runs_relation() -%}
    {%- set anchor = graph.nodes['model.' ~ project_name ~ '.int_changed_messages'] -%}
    {{ return(api.Relation.create(database=anchor.database, schema=anchor.schema, identifier='warehouse_runs')) }}
{%- endmacro %}

{#-
    on-run-start, the first hook: checks the raw extracts (contract and volume, see raw_checks.sql) on the
    commands that build or test, and fails before anything is written when they are broken; else creates
    the run log when missing, records this invocation's as-of, resolved once, and the raw row counts.
-#}
{% macro start_warehouse_run() -%}
    {%- if not execute -%}
        {{ return('select 1 as not_executing') }}
    {%- endif -%}
    {%- set checks = check_raw_extracts() if raw_checks_apply() else {'checked': false, 'problems': [], 'counts': {}} -%}
    {%- if checks['problems'] -%}
        {%- set message = (
            'The raw extracts are broken; nothing was built (docs/operations.md: When an extract is broken).\n'
            ~ checks['problems'] | join('\n')
        ) -%}
        {{ exceptions.raise_compiler_error(message) }}
    {%- endif -%}
    {%- set runs = warehouse_runs_relation() -%}
    {%- set raw_counts = warehouse_raw_counts_relation() -%}
    {%- set statements = [] -%}
    {%- do statements.append('create schema if not exists ' ~ runs.schema) -%}
    {%- set create_runs -%}
    create table if not exists {{ runs }} (
        invocation_id varchar(64),
        run_started_at {{ type_timestamp_tz() }},
        as_of_at {{ type_timestamp_tz() }},
        completed_at {{ type_timestamp_tz() }},
        settings_fingerprint varchar(64)
    )
    {%- endset -%}
    {%- do statements.append(create_runs) -%}
    {#- a run log from before the fingerprint: the column is added (its runs never match: one full recompute) #}
    {%- set existing = adapter.get_relation(runs.database, runs.schema, runs.identifier) -%}
    {%- if existing is not none
        and 'settings_fingerprint' not in adapter.get_columns_in_relation(existing) | map(attribute='name') | map('lower') | list -%}
        {%- do alter_relation_add_remove_columns(existing, add_columns=[api.Column('settings_fingerprint', 'varchar(64)')]) -%}
    {%- endif -%}
    {%- set create_raw_counts -%}
    create table if not exists {{ raw_counts }} (
        invocation_id varchar(64),
        table_name varchar(128),
        row_count bigint
    )
    {%- endset -%}
    {%- do statements.append(create_raw_counts) -%}
    {%- if raw_extracts_exist() and records_warehouse_run() -%}
        {%- set record_run -%}
    insert into {{ runs }} (invocation_id, run_started_at, as_of_at, settings_fingerprint)
    values (
        '{{ invocation_id }}', {{ run_started_at_literal() }},
        {{ timestamp_literal(configured_as_of() or latest_extract()) }}, '{{ settings_fingerprint() }}'
    )
        {%- endset -%}
        {%- do statements.append(record_run) -%}
    {%- endif -%}
    {%- if checks['counts'] -%}
        {%- set record_counts -%}
    insert into {{ raw_counts }} (invocation_id, table_name, row_count) values
    {%- for table, row_count in checks['counts'].items() | sort %}
        ('{{ invocation_id }}', '{{ table }}', {{ row_count }}){{ ',' if not loop.last }}
    {%- endfor %}
        {%- endset -%}
        {%- do statements.append(record_counts) -%}
    {%- endif -%}
    {#- hooks run on a connection whose transaction dbt never commits on every engine: commit at the end #}
    {{ return(hook_statements(statements, commit=true)) }}
{%- endmacro %}

{#-
    The SQL of a hook made of several statements. Most engines take them as one script (`commit` appended when
    asked); Spark runs one statement per call, so its variant runs each one here, while the hook renders, and the
    hook itself is a no-op select (Spark has no transactions to commit).
-#}
{% macro hook_statements(statements, commit=false) -%}
    {{ return(adapter.dispatch('hook_statements', 'outreach_warehouse')(statements, commit)) }}
{%- endmacro %}

{% macro default__hook_statements(statements, commit) -%}
    {{ return((statements + (['commit'] if commit else [])) | join(';\n')) }}
{%- endmacro %}

{% macro spark__hook_statements(statements, commit) -%}
    {%- for statement in statements -%}
        {%- do run_query(statement) -%}
    {%- endfor -%}
    {{ return('select ' ~ statements | length ~ ' as statements_run') }}
{%- endmacro %}

{#-
    Rows of a table removed, where `condition` holds (a row where it is null stays). Spark's parquet tables have no
    DELETE: the rows to keep are copied aside and written back over the table (for small state tables only; the
    billing-period models drop partitions instead).
-#}
{% macro delete_rows_where(relation, condition) -%}
    {{ return(adapter.dispatch('delete_rows_where', 'outreach_warehouse')(relation, condition)) }}
{%- endmacro %}

{% macro default__delete_rows_where(relation, condition) -%}
    delete from {{ relation }} where {{ condition }}
{%- endmacro %}

{% macro spark__delete_rows_where(relation, condition) -%}
    {%- set kept = relation.incorporate(path={'identifier': relation.identifier ~ '__dbt_kept'}) -%}
    {{ return(hook_statements([
        'drop table if exists ' ~ kept,
        'create table ' ~ kept ~ ' using parquet as select * from ' ~ relation ~ ' where not coalesce(' ~ condition ~ ', false)',
        'insert overwrite table ' ~ relation ~ ' select * from ' ~ kept,
        'drop table ' ~ kept,
    ])) }}
{%- endmacro %}

{#- Whether every raw table exists (a seed or a first `dbt test` may run before any extract has landed). -#}
{% macro raw_extracts_exist() -%}
    {%- for source_node in graph.sources.values() if source_node.source_name == 'oltp' -%}
        {%- if adapter.get_relation(source_node.database, source_node.schema, source_node.identifier) is none -%}
            {{ return(false) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(true) }}
{%- endmacro %}

{#- The as-of that on-run-start recorded for this invocation, or none (commands that run no hooks). -#}
{% macro recorded_as_of() -%}
    {%- if invocation_args_dict.get('which') not in ['build', 'run', 'test', 'seed', 'snapshot', 'retry'] -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set query -%}
        select max(as_of_at) from {{ warehouse_runs_relation() }} where invocation_id = '{{ invocation_id }}'
    {%- endset -%}
    {%- set recorded = run_query(query).columns[0].values()[0] -%}
    {{ return(none if recorded is none else utc_iso_string(recorded)) }}
{%- endmacro %}

{#-
    on-run-end: the invocation completed when every incremental model, and every model an incremental model reads
    (the changed messages among them), succeeded in it, and no node errored, failed or was skipped (a failed check: the build tables may
    hold what the check refused). The next run recomputes what changed since the last completed one.
-#}
{% macro finish_warehouse_run(results) -%}
    {%- if not execute -%}
        {{ return('select 1 as not_executing') }}
    {%- endif -%}
    {%- set succeeded = [] -%}
    {%- for result in results if result.status == 'success' -%}
        {%- do succeeded.append(result.node.unique_id) -%}
    {%- endfor -%}
    {#- a failed check keeps the run incomplete: the next run redoes its changes with its own #}
    {%- if blocking_results(results) -%}
        {{ return('select 1 as run_not_complete') }}
    {%- endif -%}
    {%- set pending = [] -%}
    {%- for node in graph.nodes.values() if node.config.materialized == 'incremental' -%}
        {%- for unique_id in [node.unique_id] + node.depends_on.nodes
            if unique_id.startswith('model.') and unique_id not in succeeded -%}
            {%- do pending.append(unique_id) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if pending -%}
        select 1 as run_not_complete
    {%- else -%}
        {{ mark_run_completed(warehouse_runs_relation()) }}
    {%- endif -%}
{%- endmacro %}

{#- This invocation's run log row marked completed now. -#}
{% macro mark_run_completed(runs) -%}
    {{ return(adapter.dispatch('mark_run_completed', 'outreach_warehouse')(runs)) }}
{%- endmacro %}

{% macro default__mark_run_completed(runs) -%}
    update {{ runs }}
    set completed_at = {{ dbt.current_timestamp() }}
    where invocation_id = '{{ invocation_id }}'
{%- endmacro %}

{#-
    Spark's parquet tables have no UPDATE: the log is insert-only there, and completion is a second row of the
    invocation with `completed_at` set. Every reader of the log asks for rows with `completed_at` (the last completed
    run, its as-of and start) or for the invocation's as-of (the same in both rows), so both forms read the same.
-#}
{% macro spark__mark_run_completed(runs) -%}
    insert into {{ runs }} (invocation_id, run_started_at, as_of_at, completed_at, settings_fingerprint)
    select invocation_id, run_started_at, as_of_at, {{ dbt.current_timestamp() }}, settings_fingerprint
    from {{ runs }}
    where invocation_id = '{{ invocation_id }}' and completed_at is null
{%- endmacro %}
