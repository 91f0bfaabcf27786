{#-
    Write, audit, publish (see the rules on time and runs, and docs/incremental-design.md). The marts are built
    and tested in a private build schema (`analytics_build`: the models' own relations, incremental state
    included, never granted to readers). Readers query the published marts, tables of the same names in
    `analytics`, which on-run-end (`publish_marts`) replaces only at the end of a complete, audited build:

    - the command is `dbt build`, or a `dbt retry` of such a build;
    - the build selected every model outside the published schema and every data test outside the `weekly`
      tag (a `dbt build`, `--selector daily` or `--full-refresh`); a retry inherits its build's selection;
    - no node of the invocation errored, failed or was skipped (warnings are fine; unit tests count too).

    Then all the published marts are replaced in one transaction (delete and insert of the changed rows: readers are
    never blocked and see the old rows until the commit, never an empty table or a mix), each with the row-level
    security, grants and comments of its mart. Anything less (a `dbt run`, a build without tests, a partial
    selection, a failed check) leaves them as they were, and the next complete build publishes. Each
    invocation's outcome is recorded in `warehouse_audits` beside the run log.

    A published mart is a model with `meta.published_access` in its config: `tenant` (rows by tenant_id),
    `billing_period` (rows by billing_id) or `compliance` (the audit log).
-#}

{#- The schema readers query: the published marts, and the semantic views over them. -#}
{% macro published_schema() -%}
    {{ return(generate_schema_name('analytics', none)) }}
{%- endmacro %}

{#- The model nodes of the published marts (config meta.published_access), by name. -#}
{% macro published_mart_nodes() -%}
    {%- set marts = [] -%}
    {%- for node in graph.nodes.values() | sort(attribute='name') if node.resource_type == 'model' -%}
        {%- if node.config.meta.get('published_access') -%}
            {%- do marts.append(node) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(marts) }}
{%- endmacro %}

{#- The published table of a mart node, in the published schema. -#}
{% macro published_relation(node) -%}
    {{ return(api.Relation.create(database=node.database, schema=published_schema(), identifier=node.alias, type='table')) }}
{%- endmacro %}

{#- The relation a model node builds (for a mart: its build table). -#}
{% macro built_relation(node) -%}
    {{ return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias, type='table')) }}
{%- endmacro %}

{#-
    In a model or an analysis: the published table of a mart, what readers see. The mart's ref is taken for
    lineage (the reader depends on the mart), and its published relation returned.
-#}
{% macro published_ref(model_name) -%}
    {%- set built = ref(model_name) -%}
    {{ return(api.Relation.create(
        database=built.database, schema=published_schema(), identifier=built.identifier, type='table'
    )) }}
{%- endmacro %}

{#- The publication log, beside the run log: one row per invocation that builds or tests, with its outcome. -#}
{% macro warehouse_audits_relation() -%}
    {%- set runs = warehouse_runs_relation() -%}
    {{ return(api.Relation.create(database=runs.database, schema=runs.schema, identifier='warehouse_audits')) }}
{%- endmacro %}

{#- Whether this invocation is recorded in the publication log: the commands that write or test the build. -#}
{% macro publication_tracked() -%}
    {{ return(dbt_command() in ['build', 'run', 'test', 'seed', 'snapshot', 'retry']) }}
{%- endmacro %}

{#-
    The dbt command of this invocation: `retry` for a `dbt retry` (whose arguments, `which` included, are those of
    the invocation it retries), else the command itself (`build`, `run`, ...).
-#}
{% macro dbt_command() -%}
    {%- set words = (invocation_args_dict.get('invocation_command') or '').split() -%}
    {%- if words | length > 1 and words[1] == 'retry' -%}
        {{ return('retry') }}
    {%- endif -%}
    {{ return(invocation_args_dict.get('which')) }}
{%- endmacro %}

{#-
    on-run-start (after the run log): records this invocation in the publication log (an invocation killed
    before its end stays without an outcome, so a retry after it never publishes), and creates the published
    marts that do not exist yet, empty, from their contracts, with their access and comments: the semantic
    views are defined over them on the first build, before anything is published.
-#}
{% macro prepare_publication() -%}
    {%- if not execute or not publication_tracked() -%}
        {{ return('select 1 as nothing_to_prepare') }}
    {%- endif -%}
    {%- set audits = warehouse_audits_relation() -%}
    {%- set statements = ['create schema if not exists ' ~ audits.schema] -%}
    {%- set create_audits -%}
        create table if not exists {{ audits }} (
            invocation_id varchar(64),
            command varchar(16),
            run_started_at {{ type_timestamp_tz() }},
            is_complete boolean,
            is_passed boolean,
            published_at {{ type_timestamp_tz() }}
        ){{ created_table_format() }}
    {%- endset -%}
    {%- do statements.append(create_audits) -%}
    {%- set record_start -%}
        insert into {{ audits }} (invocation_id, command, run_started_at)
        values ('{{ invocation_id }}', '{{ dbt_command() }}', {{ run_started_at_literal() }})
    {%- endset -%}
    {%- do statements.append(record_start) -%}
    {%- if dbt_command() in ['build', 'run', 'retry'] -%}
        {%- for node in published_mart_nodes() -%}
            {%- set published = published_relation(node) -%}
            {%- if adapter.get_relation(published.database, published.schema, published.identifier) is none -%}
                {%- do statements.append('create schema if not exists ' ~ published.schema) -%}
                {%- do statements.append(create_published_table(node, published)) -%}
                {%- do append_script(statements, secure_published_mart(node, published) ~ comment_published_mart(node, published)) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- do statements.append('select 1 as publication_prepared') -%}
    {{ return(hook_statements(statements)) }}
{%- endmacro %}

{#-
    SQL: a published mart's table created empty from its contract (column names, types and not-null constraints, in
    the contract's order). Spark: a parquet table, unpartitioned, whose columns are in the contract's order (the
    build tables of the marts partitioned by billing_id list it last); its parquet tables keep no not-null
    constraint.
-#}
{% macro create_published_table(node, published) -%}
    {{ return(adapter.dispatch('create_published_table', 'outreach_warehouse')(node, published)) }}
{%- endmacro %}

{% macro default__create_published_table(node, published) -%}
    create table {{ published }} (
        {%- for column in node.columns.values() %}
        {{ column.name }} {{ column.data_type }}
        {%- if 'not_null' in column.constraints | map(attribute='type') | list %} not null{% endif %}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    )
{%- endmacro %}

{% macro spark__create_published_table(node, published) -%}
    create table {{ published }} (
        {%- for column in node.columns.values() %}
        {{ column.name }} {{ column.data_type }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    ) using parquet
{%- endmacro %}

{#- The storage clause after a table's columns in `create table`: none by default, `using parquet` on Spark. -#}
{% macro created_table_format() -%}
    {{ return(adapter.dispatch('created_table_format', 'outreach_warehouse')()) }}
{%- endmacro %}

{% macro default__created_table_format() -%}
{%- endmacro %}

{% macro spark__created_table_format() -%}
    {{ ' using parquet' }}
{%- endmacro %}

{#-
    Appends SQL made of statements that each end in `;` (access, comments) to a hook's statements as one script,
    its last `;` left to hook_statements; nothing when it is empty (Spark: no access or comments to apply).
-#}
{% macro append_script(statements, script) -%}
    {%- set trimmed = script.strip().rstrip(';').strip() -%}
    {%- if trimmed -%}
        {%- do statements.append(trimmed) -%}
    {%- endif -%}
{%- endmacro %}

{#-
    Whether this invocation's selection covers a whole audited build: every model outside the published schema
    and every data test outside the `weekly` tag that reads none of the published schema's models, on all the
    data (not `--empty` or `--sample`).
-#}
{% macro selection_is_complete(results) -%}
    {%- if invocation_args_dict.get('empty') or invocation_args_dict.get('sample') -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set selected = results | map(attribute='node') | map(attribute='unique_id') | list -%}
    {%- set published = published_schema() -%}
    {%- set readers = [] -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.schema == published -%}
        {%- do readers.append(node.unique_id) -%}
    {%- endfor -%}
    {%- for node in graph.nodes.values() if node.unique_id not in selected -%}
        {%- if node.resource_type == 'model' and node.unique_id not in readers -%}
            {{ return(false) }}
        {%- elif node.resource_type == 'test' and 'weekly' not in node.tags -%}
            {%- if not (node.depends_on.nodes | select('in', readers) | list) -%}
                {{ return(false) }}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(true) }}
{%- endmacro %}

{#-
    The results that stop a publication (and the run's completion): an error, a failure, a skip (downstream of
    one) or a partial success; a warning or a no-op (exposures, saved queries) does not.
-#}
{% macro blocking_results(results) -%}
    {%- set blocking = [] -%}
    {%- for result in results if result.status in ['error', 'fail', 'skipped', 'runtime error', 'partial success'] -%}
        {%- do blocking.append(result.node.unique_id ~ ' (' ~ result.status ~ ')') -%}
    {%- endfor -%}
    {{ return(blocking) }}
{%- endmacro %}

{#-
    Whether a retry completes a whole build: the invocation before it (the one it retries) was a complete build
    or a retry of one, finished, and not passed (a retry of a passed build has nothing to redo).
-#}
{% macro retried_build_is_complete() -%}
    {%- set query -%}
        select command, is_complete, is_passed
        from {{ warehouse_audits_relation() }}
        where invocation_id <> '{{ invocation_id }}'
        order by run_started_at desc, case when is_passed is null then 1 else 0 end
        limit 1
    {%- endset -%}
    {%- set rows = run_query(query).rows -%}
    {%- if rows | length == 0 -%}
        {{ return(false) }}
    {%- endif -%}
    {{ return(rows[0][0] in ['build', 'retry'] and rows[0][1] is sameas true and rows[0][2] is sameas false) }}
{%- endmacro %}

{#-
    on-run-end, the first hook (before finish_warehouse_run): records the invocation's outcome in the publication log and, when it
    is a complete, audited build (or the retry that completes one) without an error, failure or skip, replaces
    every published mart with its build table in one transaction. Otherwise the published marts stay as they are.
-#}
{% macro publish_marts(results) -%}
    {%- if not execute or not publication_tracked() -%}
        {{ return('select 1 as nothing_to_publish') }}
    {%- endif -%}
    {#-
        The hook's SQL runs in the transaction this statement opens (dbt begins one for it: the first on-run-end
        hook starts on a connection without one), and commits it at its end: an error in any statement rolls back
        every mart and the publication log's update. Spark has no transaction: each statement stands alone, run
        in order as the hook renders (see hook_statements).
    #}
    {%- call statement('open_the_publication_transaction', auto_begin=true) -%}
        select 1 as opens_the_publication_transaction
    {%- endcall -%}
    {%- set command = dbt_command() -%}
    {%- set blocking = blocking_results(results) -%}
    {%- if command == 'retry' -%}
        {%- set complete = retried_build_is_complete() -%}
    {%- else -%}
        {%- set complete = command == 'build' and selection_is_complete(results) -%}
    {%- endif -%}
    {%- set publish = command in ['build', 'retry'] and complete and not blocking -%}
    {%- if publish -%}
        {%- set how = 'one insert overwrite per table, not one transaction' if target.type == 'spark' else 'one transaction' -%}
        {{ log('Publishing the marts in ' ~ published_schema() ~ ' (' ~ how ~ '): ' ~ published_mart_nodes() | map(attribute='name') | join(', '), info=true) }}
    {%- elif command in ['build', 'retry'] -%}
        {%- set reasons = [] -%}
        {%- set failed = [] -%}
        {%- for reason in blocking if not reason.endswith('(skipped)') -%}
            {%- do failed.append(reason) -%}
        {%- endfor -%}
        {%- if failed -%}
            {%- do reasons.append(failed | length ~ ' node(s) failed: ' ~ failed[:10] | join(', ')) -%}
        {%- endif -%}
        {%- if blocking | length > failed | length -%}
            {%- do reasons.append((blocking | length - failed | length) ~ ' skipped') -%}
        {%- endif -%}
        {%- if not complete -%}
            {%- do reasons.append('the selection is not a whole audited build') -%}
        {%- endif -%}
        {{ log('The published marts in ' ~ published_schema() ~ ' are left as they are: ' ~ reasons | join('; '), info=true) }}
    {%- endif -%}
    {%- set statements = [] -%}
    {%- if publish -%}
        {%- do append_script(statements, publish_marts_sql(published_mart_nodes(), results)) -%}
    {%- endif -%}
    {%- do statements.append(record_publication_outcome(warehouse_audits_relation(), complete, not blocking, publish)) -%}
    {{ return(hook_statements(statements, commit=true)) }}
{%- endmacro %}

{#-
    SQL: every published mart replaced by its build table (the caller runs it in one transaction). A published
    table whose columns or types differ from its build table's is recreated first; the others are emptied and
    refilled, so readers keep their privileges and policies and see the old rows until the commit.
-#}
{% macro publish_marts_sql(marts, results) -%}
    {{ return(adapter.dispatch('publish_marts_sql', 'outreach_warehouse')(marts, results)) }}
{%- endmacro %}

{% macro default__publish_marts_sql(marts, results) -%}
    {{ lock_published_marts(marts) }}
    {%- set recreated = [] -%}
    {%- for node in marts %}
        {%- set built = built_relation(node) %}
        {%- set published = published_relation(node) %}
        {%- if published_columns_differ(built, published) %}
            {%- do recreated.append(node.name) %}
    {{ recreate_published_table(published, built) }};
        {%- endif %}
    {{ replace_published_rows(published, built) }}
    {%- endfor %}
    {#- access after every table is in place: a recreated billing_analytics takes the policies that read it along #}
    {%- for node in marts %}
    {{ secure_published_mart(node, published_relation(node)) }}
    {{ comment_published_mart(node, published_relation(node)) }}
    {%- endfor %}
    {%- if recreated %}
    {{ restore_published_views(results) }}
    {%- endif %}
{%- endmacro %}

{#-
    SQL: the published table made equal to its build table, row for row. A mart with `id` and `updated` (every model
    write stamps `updated` with its run's start, so a row whose pair is unchanged is the same row) keeps the published
    rows whose pair is still in the build table and inserts the others: a day rewrites only what it recomputed
    (a few percent of message_analytics and lead_analytics) instead of copying millions of rows. Both steps are
    anti-joins on the key, linear on every engine. A mart without the pair is emptied and refilled.
-#}
{% macro replace_published_rows(published, built) -%}
    {%- set columns = published_column_list(built) -%}
    {%- set names = columns.split(', ') | map('lower') | list -%}
    {%- if 'id' in names and 'updated' in names %}
    delete from {{ published }}
    where not exists (
        select 1 from {{ built }} as built
        where built.id = {{ published.identifier }}.id and built.updated = {{ published.identifier }}.updated
    );
    insert into {{ published }} ({{ columns }})
    select {{ columns }} from {{ built }} as built
    where not exists (
        select 1 from {{ published }} as kept
        where kept.id = built.id and kept.updated = built.updated
    );
    {%- else %}
    delete from {{ published }};
    insert into {{ published }} ({{ columns }})
    select {{ columns }} from {{ built }};
    {%- endif %}
{%- endmacro %}

{#-
    Spark: `insert overwrite` of each published table, run statement by statement (see hook_statements). Each table
    is replaced atomically, but not the seven together: a reader can see some marts of the new build beside others
    of the old one for the moments the statements take (Spark has no multi-table transaction). The columns are
    selected by name in the published table's order (the build tables partitioned by billing_id list it last); a
    published table whose columns or types differ from its build table's, in any order, is recreated from the
    contract first.
-#}
{% macro spark__publish_marts_sql(marts, results) -%}
    {%- set statements = [] -%}
    {%- for node in marts -%}
        {%- set built = built_relation(node) -%}
        {%- set published = published_relation(node) -%}
        {%- if published_columns_differ(built, published, ordered=false) -%}
            {%- do statements.append('drop table if exists ' ~ published) -%}
            {%- do statements.append(create_published_table(node, published)) -%}
            {%- set columns = node.columns.values() | map(attribute='name') | join(', ') -%}
        {%- else -%}
            {%- set columns = published_column_list(published) -%}
        {%- endif -%}
        {%- do statements.append('insert overwrite table ' ~ published ~ ' select ' ~ columns ~ ' from ' ~ built) -%}
    {%- endfor -%}
    {{ return(hook_statements(statements)) }}
{%- endmacro %}

{#-
    SQL: the invocation's outcome in the publication log (whether its selection was a whole audited build, whether
    it passed, when it published): its row updated.
-#}
{% macro record_publication_outcome(audits, complete, passed, published) -%}
    {{ return(adapter.dispatch('record_publication_outcome', 'outreach_warehouse')(audits, complete, passed, published)) }}
{%- endmacro %}

{% macro default__record_publication_outcome(audits, complete, passed, published) -%}
    update {{ audits }}
    set
        is_complete = {{ 'true' if complete else 'false' }},
        is_passed = {{ 'true' if passed else 'false' }},
        published_at = {{ dbt.current_timestamp() if published else 'null' }}
    where invocation_id = '{{ invocation_id }}'
{%- endmacro %}

{#-
    Spark's parquet tables have no UPDATE: the log is insert-only there, as the run log is, and the outcome is a
    second row of the invocation with `is_passed` set. Readers take an invocation's row with an outcome before its
    row without (retried_build_is_complete), so both forms read the same.
-#}
{% macro spark__record_publication_outcome(audits, complete, passed, published) -%}
    insert into {{ audits }} (invocation_id, command, run_started_at, is_complete, is_passed, published_at)
    select
        invocation_id,
        command,
        run_started_at,
        {{ 'true' if complete else 'false' }},
        {{ 'true' if passed else 'false' }},
        {{ dbt.current_timestamp() if published else 'null' }}
    from {{ audits }}
    where invocation_id = '{{ invocation_id }}' and is_passed is null
{%- endmacro %}

{#- A table's columns, in its order, comma-separated. -#}
{% macro published_column_list(built) -%}
    {{ adapter.get_columns_in_relation(built) | map(attribute='name') | join(', ') }}
{%- endmacro %}

{#-
    Whether the published table's columns (names and types) differ from the build table's: in order, or as sets
    when not `ordered` (Spark, where the build tables partitioned by billing_id list it last).
-#}
{% macro published_columns_differ(built, published, ordered=true) -%}
    {%- set signature = [] -%}
    {%- for relation in [built, published] -%}
        {%- set columns = [] -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do columns.append(column.name ~ ' ' ~ column.data_type) -%}
        {%- endfor -%}
        {%- do signature.append(columns if ordered else columns | sort) -%}
    {%- endfor -%}
    {{ return(signature[0] != signature[1]) }}
{%- endmacro %}

{#- SQL: drop the published table and create it empty with the build table's columns and types. -#}
{% macro recreate_published_table(published, built) -%}
    {{ return(adapter.dispatch('recreate_published_table', 'outreach_warehouse')(published, built)) }}
{%- endmacro %}

{% macro default__recreate_published_table(published, built) -%}
    create or replace table {{ published }} as select * from {{ built }} where 1 = 0
{%- endmacro %}

{#- Postgres: the views over it (the semantic views) go with it, and are restored by restore_published_views. -#}
{% macro postgres__recreate_published_table(published, built) -%}
    drop table if exists {{ published }} cascade;
    create table {{ published }} (like {{ built }})
{%- endmacro %}

{#-
    SQL, after a published table was recreated: the views of the published schema built in this invocation
    (the semantic views) recreated from their compiled SQL, with their grants: on Postgres a recreated table
    takes the views that read it with it.
-#}
{% macro restore_published_views(results) -%}
    {{ return(adapter.dispatch('restore_published_views', 'outreach_warehouse')(results)) }}
{%- endmacro %}

{% macro default__restore_published_views(results) -%}
{%- endmacro %}

{% macro postgres__restore_published_views(results) -%}
    {%- for result in results if result.node.resource_type == 'model' and result.node.schema == published_schema() %}
        {%- if result.node.config.materialized == 'view' %}
            {%- set view = api.Relation.create(
                database=result.node.database, schema=result.node.schema, identifier=result.node.alias, type='view'
            ) %}
    create or replace view {{ view }} as {{ result.node.compiled_code }};
    grant select on {{ view }} to {{ var('reporting_role') }};
    {{ comment_published_mart(result.node, view) }}
        {%- endif %}
    {%- endfor %}
{%- endmacro %}

{#- SQL: the table (or view) and column comments of a published relation, from its documentation (persist_docs). -#}
{% macro comment_published_mart(node, published) -%}
    {{ return(adapter.dispatch('comment_published_mart', 'outreach_warehouse')(node, published)) }}
{%- endmacro %}

{% macro default__comment_published_mart(node, published) -%}
    {%- set persist = node.config.get('persist_docs', {}) -%}
    {%- if persist.get('relation') and node.description %}
    comment on {{ published.type }} {{ published }} is {{ published_comment_literal(node.description) }};
    {%- endif %}
    {%- if persist.get('columns') %}
        {%- for column in node.columns.values() if column.description %}
    comment on column {{ published }}.{{ column.name }} is {{ published_comment_literal(column.description) }};
        {%- endfor %}
    {%- endif %}
{%- endmacro %}

{% macro spark__comment_published_mart(node, published) -%}
{%- endmacro %}

{#- A comment's text as a dollar-quoted literal (Postgres and DuckDB), as dbt's persist_docs quotes it. -#}
{% macro published_comment_literal(text) -%}
    {%- set magic = '$dbt_comment_literal_block$' -%}
    {%- if magic in text -%}
        {%- do exceptions.raise_compiler_error('The string ' ~ magic ~ ' is not allowed in comments.') -%}
    {%- endif -%}
    {{ magic }}{{ text }}{{ magic }}
{%- endmacro %}

{#-
    Postgres: the publication first takes SHARE UPDATE EXCLUSIVE on every published mart, in one statement (no
    reader waits: readers take ACCESS SHARE). The table comments it refreshes need that lock; taken after the
    deletes, it could deadlock with an autovacuum of the same table waiting on the publication's transaction (seen
    on message_analytics); taken first, the autovacuum is cancelled for it. Elsewhere nothing.
-#}
{% macro lock_published_marts(marts) -%}
    {{ return(adapter.dispatch('lock_published_marts', 'outreach_warehouse')(marts)) }}
{%- endmacro %}

{% macro default__lock_published_marts(marts) -%}
{%- endmacro %}

{% macro postgres__lock_published_marts(marts) -%}
    {%- set relations = [] -%}
    {%- for node in marts -%}
        {%- do relations.append(published_relation(node) | string) -%}
    {%- endfor -%}
    lock table {{ relations | join(', ') }} in share update exclusive mode;
{%- endmacro %}
