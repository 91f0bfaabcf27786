{#-
    The run report (on-run-end, the last hook): what every invocation that builds or tests did, kept in the warehouse
    beside the run log (the intermediate schema), one row set per invocation, insert-only (Spark has no UPDATE):

    - run_report_invocations: command, start, end, node counts by outcome, whether the marts were published (read
      from the publication log that publish_marts wrote just before, null when the command does not publish);
    - run_report_nodes: each node's status, seconds and failing-row count (tests);
    - run_report_row_counts: each mart's rows in the build schema after the invocation;
    - run_report_quarantine: int_quarantine's rows by source table and reason;
    - run_report_recomputed: the share of messages and keys the invocation recomputed: the messages of
      int_messages_classified and the rows of each mart whose stamp (`recomputed_at`, `updated`: the start of the
      run that last wrote the row) is this invocation's start, over all their rows; and int_changed_messages' rows
      (the messages an incremental run found changed, none on a full build) over the messages.

    The job's report page (src/outreach_warehouse/report.py) plots them across the last runs. Nothing here reads a
    model's columns beyond int_quarantine's source_table and reason and the stamps the models declare, and a table
    that does not exist yet is left out.
-#}
{% macro record_run_report(results) -%}
    {%- set command = (invocation_args_dict.get('invocation_command') or '').split() -%}
    {%- set command = 'retry' if command | length > 1 and command[1] == 'retry' else invocation_args_dict.get('which') -%}
    {%- if not execute or command not in ['build', 'run', 'test', 'seed', 'snapshot', 'retry'] -%}
        {{ return('select 1 as nothing_to_report') }}
    {%- endif -%}
    {%- set schema = run_report_schema() -%}
    {%- set statements = ['create schema if not exists ' ~ schema] -%}
    {%- for table, columns in run_report_tables().items() -%}
        {%- do statements.append('create table if not exists ' ~ schema ~ '.' ~ table ~ ' ('
            ~ columns | join(', ') ~ ')' ~ created_table_format()) -%}
    {%- endfor -%}
    {%- set id = "'" ~ invocation_id ~ "'" -%}
    {%- set statuses = {} -%}
    {%- set node_rows = [] -%}
    {%- for result in results -%}
        {%- set status = (result.status | string).split('.')[-1] | lower -%}
        {%- do statuses.update({status: statuses.get(status, 0) + 1}) -%}
        {%- do node_rows.append('(' ~ [id, run_report_text(result.node.unique_id), run_report_text(result.node.resource_type),
            run_report_text(result.node.name), run_report_text(status), (result.execution_time or 0) | round(3),
            result.failures if result.failures is number else 'null'] | join(', ') ~ ')') -%}
    {%- endfor -%}
    {%- set now = modules.datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M:%S') -%}
    {%- do statements.append('insert into ' ~ schema ~ '.run_report_invocations select ' ~ [id, run_report_text(command),
        run_report_time(run_started_at.strftime('%Y-%m-%d %H:%M:%S')), run_report_time(now), results | length,
        statuses.get('error', 0) + statuses.get('fail', 0), statuses.get('warn', 0), statuses.get('skipped', 0),
        run_report_published()] | join(', ')) -%}
    {%- if node_rows -%}
        {%- do statements.append('insert into ' ~ schema ~ '.run_report_nodes values ' ~ node_rows | join(', ')) -%}
    {%- endif -%}
    {%- set counts = [] -%}
    {%- for node in graph.nodes.values() | sort(attribute='name')
        if node.resource_type == 'model' and node.fqn[1] == 'marts' and 'semantic' not in node.fqn -%}
        {%- set built = run_report_relation(node) -%}
        {%- if built is not none -%}
            {%- do counts.append('select ' ~ id ~ ', ' ~ run_report_text(node.name) ~ ', count(*) from ' ~ built) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if counts -%}
        {%- do statements.append('insert into ' ~ schema ~ '.run_report_row_counts ' ~ counts | join(' union all ')) -%}
    {%- endif -%}
    {%- set found = namespace(quarantine=none) -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name == 'int_quarantine' -%}
        {%- set found.quarantine = run_report_relation(node) -%}
    {%- endfor -%}
    {%- set quarantine = found.quarantine -%}
    {%- if quarantine is not none -%}
        {%- set names = adapter.get_columns_in_relation(quarantine) | map(attribute='name') | map('lower') | list -%}
        {%- if 'source_table' in names and 'reason' in names -%}
            {%- do statements.append('insert into ' ~ schema ~ '.run_report_quarantine select ' ~ id
                ~ ', source_table, reason, count(*) from ' ~ quarantine ~ ' group by source_table, reason') -%}
        {%- endif -%}
    {%- endif -%}
    {%- set recomputed = run_report_recomputed_sql(id) -%}
    {%- if recomputed -%}
        {%- do statements.append('insert into ' ~ schema ~ '.run_report_recomputed ' ~ recomputed) -%}
    {%- endif -%}
    {#- as finish_warehouse_run's: dbt runs the hook's SQL after publish_marts committed its transaction #}
    {{ return(hook_statements(statements)) }}
{%- endmacro %}

{#- The report's tables and their columns (portable types: DuckDB, Postgres, Spark). -#}
{% macro run_report_tables() -%}
    {%- set text, stamp, whole, real = dbt.type_string(), dbt.type_timestamp(), dbt.type_bigint(), dbt.type_float() -%}
    {{ return({
        'run_report_invocations': ['invocation_id ' ~ text, 'command ' ~ text, 'run_started_at ' ~ stamp,
            'run_finished_at ' ~ stamp, 'nodes ' ~ whole, 'errors ' ~ whole, 'warnings ' ~ whole, 'skipped ' ~ whole,
            'is_published ' ~ dbt.type_boolean()],
        'run_report_nodes': ['invocation_id ' ~ text, 'unique_id ' ~ text, 'resource_type ' ~ text, 'node_name ' ~ text,
            'status ' ~ text, 'execution_seconds ' ~ real, 'failures ' ~ whole],
        'run_report_row_counts': ['invocation_id ' ~ text, 'mart ' ~ text, 'row_count ' ~ whole],
        'run_report_quarantine': ['invocation_id ' ~ text, 'source_table ' ~ text, 'reason ' ~ text,
            'row_count ' ~ whole],
        'run_report_recomputed': ['invocation_id ' ~ text, 'relation_name ' ~ text, 'recomputed_rows ' ~ whole,
            'row_count ' ~ whole],
    }) }}
{%- endmacro %}

{#-
    SELECT of run_report_recomputed's rows for invocation `id` (a quoted literal), or '' when no relation is built:
    int_messages_classified (its `recomputed_at`) and every mart with an `updated` column, rows stamped with this
    invocation's start over all rows; int_changed_messages' rows over int_messages_classified's.
-#}
{% macro run_report_recomputed_sql(id) -%}
    {%- set selects = [] -%}
    {%- set found = namespace(messages=none) -%}
    {%- for node in graph.nodes.values() | sort(attribute='name') if node.resource_type == 'model' -%}
        {%- set stamp = 'recomputed_at' if node.name == 'int_messages_classified' else (
            'updated' if node.fqn[1] == 'marts' and 'semantic' not in node.fqn and 'updated' in node.columns else none) -%}
        {%- set built = run_report_relation(node) if stamp else none -%}
        {%- if built is not none -%}
            {%- do selects.append('select ' ~ id ~ ', ' ~ run_report_text(node.name) ~ ', count(case when ' ~ stamp
                ~ ' >= ' ~ run_started_at_literal() ~ ' then 1 end), count(*) from ' ~ built) -%}
            {%- if node.name == 'int_messages_classified' -%}
                {%- set found.messages = built -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name == 'int_changed_messages' -%}
        {%- set changed = run_report_relation(node) -%}
        {%- if changed is not none and found.messages is not none -%}
            {%- do selects.append('select ' ~ id ~ ', ' ~ run_report_text(node.name) ~ ', (select count(*) from '
                ~ changed ~ '), (select count(*) from ' ~ found.messages ~ ')') -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(selects | join(' union all ')) }}
{%- endmacro %}

{#- The schema of the report: the intermediate layer's, where the run log lives. -#}
{% macro run_report_schema() -%}
    {{ return(run_report_anchor().schema) }}
{%- endmacro %}

{#- A model of the intermediate layer: its database and schema are the report's and the publication log's. -#}
{% macro run_report_anchor() -%}
    {%- for node in graph.nodes.values() | sort(attribute='name')
        if node.resource_type == 'model' and node.fqn[1] == 'intermediate' -%}
        {{ return(node) }}
    {%- endfor -%}
{%- endmacro %}

{#- The built relation of a model node, or none when it does not exist (dbt's cache holds the project's schemas). -#}
{% macro run_report_relation(node) -%}
    {{ return(adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias)) }}
{%- endmacro %}

{#- A text literal of a node name, status or command (quotes and backslashes dropped: none of these hold one). -#}
{% macro run_report_text(value) -%}
    {{ return("'" ~ (value | string | replace("'", '') | replace('\\', '')) ~ "'") }}
{%- endmacro %}

{% macro run_report_time(value) -%}
    {{ return("cast('" ~ value ~ "' as " ~ dbt.type_timestamp() ~ ")") }}
{%- endmacro %}

{#-
    SQL: whether publish_marts published this invocation's marts (its row in the publication log, which
    prepare_publication created on-run-start: on-run-end runs only after every on-run-start hook passed).
-#}
{% macro run_report_published() -%}
    {%- set anchor = run_report_anchor() -%}
    {%- set audits = api.Relation.create(database=anchor.database, schema=anchor.schema, identifier='warehouse_audits') -%}
    {{ return('(select max(case when published_at is not null then 1 else 0 end) = 1 from ' ~ audits
        ~ " where invocation_id = '" ~ invocation_id ~ "')") }}
{%- endmacro %}
