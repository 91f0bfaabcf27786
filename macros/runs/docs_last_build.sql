{#-
    The last build of each mart on its docs page: when it ran, how many rows it left, how its tests came out, read
    from the run report (macros/runs/run_report.sql) and shown in the Details box at the top of the mart's page ("Last
    build", "Last build: rows", "Last build: tests"), where the site shows a warehouse's own table statistics.

    Why the catalog, and not a docs block or the job: dbt renders descriptions and docs blocks when it parses the
    project, before any connection and without macros (`execute` is false there), so no description can hold a
    fact that only a build makes known; rewriting the generated page afterwards would make the facts a product of
    the job alone, and of one file format. The catalog is what `dbt docs generate` reads from the warehouse, after
    the build, whoever runs it (the job's docs step, `make docs`, by hand); its rows carry table statistics
    (`stats:<id>:label|value|description|include`) that the site lists beside the owner and the relation. So the
    adapter's own catalog query is kept as it is and the run report's facts are joined to its rows.

    DuckDB and Postgres, whose catalog is a macro (dbt-spark reads its catalog in Python; the job does not read a
    Spark warehouse either). A warehouse without a run report, or a docs site generated without compiling, gets
    the adapter's catalog unchanged.
-#}
{% macro duckdb__get_catalog(information_schema, schemas) -%}
    {{ return(catalog_with_last_build(dbt.duckdb__get_catalog(information_schema, schemas))) }}
{%- endmacro %}

{% macro duckdb__get_catalog_relations(information_schema, relations) -%}
    {{ return(catalog_with_last_build(dbt.duckdb__get_catalog_relations(information_schema, relations))) }}
{%- endmacro %}

{% macro postgres__get_catalog(information_schema, schemas) -%}
    {{ return(catalog_with_last_build(dbt.postgres__get_catalog(information_schema, schemas))) }}
{%- endmacro %}

{% macro postgres__get_catalog_relations(information_schema, relations) -%}
    {{ return(catalog_with_last_build(dbt.postgres__get_catalog_relations(information_schema, relations))) }}
{%- endmacro %}

{#- The catalog (an agate table) with each mart's last-build statistics joined on (schema, table). -#}
{% macro catalog_with_last_build(catalog) -%}
    {%- if 'stats:last_build:value' in catalog.column_names -%}
        {{ return(catalog) }}
    {%- endif -%}
    {%- set stats = last_build_stats() -%}
    {%- if stats is none -%}
        {{ return(catalog) }}
    {%- endif -%}
    {%- set keys = ['table_schema', 'table_name'] -%}
    {{ return(catalog.join(stats, keys, keys)) }}
{%- endmacro %}

{#-
    An agate table of one row per mart the run report saw built: its schema and table, and the statistics "Last
    build" (the invocation's end, the model's status, the command, whether it published), "Last build: rows" (the
    mart's rows after it) and "Last build: tests" (the outcomes of the mart's data and unit tests in it). None when
    the warehouse has no run report, or no mart was built yet.
-#}
{% macro last_build_stats() -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set marts = {} -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.fqn[1] == 'marts'
        and 'semantic' not in node.fqn -%}
        {%- do marts.update({node.unique_id: node}) -%}
    {%- endfor -%}
    {%- set anchor = run_report_anchor() if marts else none -%}
    {%- if anchor is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set report = {} -%}
    {%- for table in ['run_report_invocations', 'run_report_nodes', 'run_report_row_counts'] -%}
        {%- set relation = adapter.get_relation(database=anchor.database, schema=anchor.schema, identifier=table) -%}
        {%- if relation is none -%}
            {{ return(none) }}
        {%- endif -%}
        {%- do report.update({table: relation}) -%}
    {%- endfor -%}
    {%- set builds = run_query(last_builds_sql(report, marts.keys() | list)) -%}
    {%- if builds.rows | length == 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set invocations = builds.columns['invocation_id'].values() | unique | list -%}
    {%- set outcomes = run_query('select invocation_id, unique_id, status from ' ~ report['run_report_nodes']
        ~ " where resource_type in ('test', 'unit_test') and invocation_id in ('" ~ invocations | join("', '") ~ "')") -%}
    {%- set tested = mart_of_tests(marts) -%}
    {%- set selects = [] -%}
    {%- for build in builds.rows -%}
        {%- set counts = {} -%}
        {%- for outcome in outcomes.rows if outcome['invocation_id'] == build['invocation_id'] -%}
            {%- set tests_marts = tested.get(outcome['unique_id']) or ['model.' ~ outcome['unique_id'].split('.')[1:3] | join('.')] -%}
            {%- if build['unique_id'] in tests_marts -%}
                {%- do counts.update({outcome['status']: counts.get(outcome['status'], 0) + 1}) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set tests = [] -%}
        {%- for status in counts | sort -%}
            {%- do tests.append(counts[status] ~ ' ' ~ status) -%}
        {%- endfor -%}
        {%- set node = marts[build['unique_id']] -%}
        {%- set published = {true: ', published', false: ', not published'}.get(build['is_published'], '') -%}
        {%- do selects.append('select ' ~ [
            run_report_text(node.schema) ~ ' as table_schema', run_report_text(node.alias) ~ ' as table_name',
            last_build_stat('last_build', 'Last build', run_report_text(build['run_finished_at'].strftime('%Y-%m-%d %H:%M:%S')
                ~ ' UTC: ' ~ build['status'] ~ ' (dbt ' ~ build['command'] ~ published ~ ')'),
                'When the last invocation that built this mart ended (UTC), how the mart came out, and whether that build was published to analytics (the run report, intermediate.run_report_invocations).'),
            last_build_stat('row_count', 'Last build: rows', build['row_count'] if build['row_count'] is not none else 'null',
                'Rows of the mart in analytics_build after its last build (intermediate.run_report_row_counts).'),
            last_build_stat('tests', 'Last build: tests', run_report_text(tests | join(', ') or 'none ran'),
                'Outcomes of the data and unit tests of this mart in its last build (intermediate.run_report_nodes); the run report page of the job plots them over time.'),
        ] | join(', ')) -%}
    {%- endfor -%}
    {{ return(run_query(selects | join(' union all '))) }}
{%- endmacro %}

{#- SQL: the latest invocation that built each of `mart_ids`, with its command, end, publication and row count. -#}
{% macro last_builds_sql(report, mart_ids) -%}
    {%- set sql -%}
        with builds as (
            select
                n.unique_id,
                n.node_name,
                n.invocation_id,
                n.status,
                i.command,
                i.run_finished_at,
                i.is_published,
                row_number() over (partition by n.unique_id order by i.run_started_at desc) as recency
            from {{ report['run_report_nodes'] }} as n
            inner join {{ report['run_report_invocations'] }} as i on n.invocation_id = i.invocation_id
            where n.resource_type = 'model' and n.unique_id in ('{{ mart_ids | join("', '") }}')
        )
        select b.unique_id, b.invocation_id, b.status, b.command, b.run_finished_at, b.is_published, r.row_count
        from builds as b
        left join {{ report['run_report_row_counts'] }} as r
            on b.invocation_id = r.invocation_id and b.node_name = r.mart
        where b.recency = 1
    {%- endset -%}
    {{ return(sql) }}
{%- endmacro %}

{#-
    Data test unique id -> the marts it tests (its attached node, else every mart it reads: a singular test that
    compares two marts counts on both pages), for `marts` by id. A unit test's id names its model
    (unit_test.<project>.<model>.<name>).
-#}
{% macro mart_of_tests(marts) -%}
    {%- set tested = {} -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'test' -%}
        {%- set on = [node.get('attached_node')] if node.get('attached_node') else node.depends_on.nodes -%}
        {%- do tested.update({node.unique_id: on | select('in', marts) | list}) -%}
    {%- endfor -%}
    {{ return(tested) }}
{%- endmacro %}

{#- The four catalog columns of one statistic (dbt's `stats:<id>:label|value|description|include`). -#}
{% macro last_build_stat(id, label, value, description) -%}
    {{ return([
        run_report_text(label) ~ ' as ' ~ adapter.quote('stats:' ~ id ~ ':label'),
        value ~ ' as ' ~ adapter.quote('stats:' ~ id ~ ':value'),
        run_report_text(description) ~ ' as ' ~ adapter.quote('stats:' ~ id ~ ':description'),
        'true as ' ~ adapter.quote('stats:' ~ id ~ ':include'),
    ] | join(', ')) }}
{%- endmacro %}
