{#-
    Checks of the raw extracts, made by on-run-start (`start_warehouse_run`) before anything builds, on the
    commands that build or test models (see the rules on sources and bad input, and the docs/operations.md "When an
    extract is broken"). Bad rows are the quarantine's business; these checks catch a broken extract:

    - the contract: every table and column of the `oltp` source (with the type in its `data_type`) exists
      in the raw schema with a type of the same family (one information_schema query);
    - the values: none that the contract's type cannot read (`raw_unreadable_values`): an infinite
      timestamp, or a number outside the contract's integer range in a wider integer column; and no
      `_extracted_at` later than the run's own clock plus var('extract_clock_tolerance_minutes')
      (`extract_clock_limit`): an extract from the future is broken, never a new as-of. An explicit `as_of`
      var beyond that limit is refused the same way (time travel goes back, never forward);
    - the volume: no raw table is empty, and none holds fewer rows than at the last completed run by more
      than var('raw_shrink_error_share'), unless var('accept_raw_shrink') accepts it. The counts of each
      invocation are kept in `warehouse_raw_counts` beside the run log.

    A failure raises an error naming every problem (the table, and the column) while the first hook is
    rendered, before it runs any SQL: dbt stops the invocation (exit code 2) before any other hook or node
    runs, so nothing is built and the published marts stay as they were. A failing check writes nothing:
    the run log and the counts hold no trace of the invocation. (A hook failing in its SQL instead would
    leave it to `skip_nodes_if_on_run_start_fails`, which dbt 1.11 `build` cannot apply to exposures.)
-#}

{#- Whether this invocation checks the raw extracts: the commands that build or test models. -#}
{% macro raw_checks_apply() -%}
    {{ return(invocation_args_dict.get('which') in ['build', 'run', 'test', 'retry', 'snapshot']) }}
{%- endmacro %}

{#- The per-invocation raw row counts, beside the run log: invocation id, raw table, row count. -#}
{% macro warehouse_raw_counts_relation() -%}
    {%- set runs = warehouse_runs_relation() -%}
    {{ return(api.Relation.create(database=runs.database, schema=runs.schema, identifier='warehouse_raw_counts')) }}
{%- endmacro %}

{#-
    The family of a column type, as the contract compares them: text, integer, boolean or timestamptz
    (JSON documents are stored as text); any other type is its own family. Lengths and precisions are ignored.
-#}
{% macro raw_type_family(data_type) -%}
    {%- set name = (data_type or '') | lower | trim -%}
    {%- set name = name.split('(')[0] | trim -%}
    {%- set families = {
        'text': ['text', 'character varying', 'varchar', 'character', 'char', 'bpchar', 'string'],
        'integer': ['integer', 'int', 'int2', 'int4', 'int8', 'smallint', 'bigint', 'tinyint', 'hugeint'],
        'boolean': ['boolean', 'bool'],
        'timestamptz': ['timestamptz', 'timestamp with time zone'],
    } -%}
    {%- for family, names in families.items() if name in names -%}
        {{ return(family) }}
    {%- endfor -%}
    {{ return(name) }}
{%- endmacro %}

{#- Whether var('accept_raw_shrink') accepts an empty or shrunk raw table: true, a table name, or a list of names. -#}
{% macro raw_shrink_accepted(table) -%}
    {%- set accepted = var('accept_raw_shrink', false) -%}
    {%- if accepted is sameas true -%}
        {{ return(true) }}
    {%- elif accepted is string -%}
        {{ return(table in accepted.split(',') | map('trim') | list) }}
    {%- elif accepted is iterable -%}
        {{ return(table in accepted | map('string') | map('trim') | list) }}
    {%- endif -%}
    {{ return(false) }}
{%- endmacro %}

{#-
    The raw extracts checked: a dict with `checked`, `problems` (one message per problem: a missing raw
    schema, table or column, a column of another type family, unreadable values, an empty or shrunk
    table) and `counts` (table -> row count, when the contract holds). Only the commands that build or
    test call it (raw_checks_apply), so a seed runs before any extract has landed.
-#}
{% macro check_raw_extracts() -%}
    {%- set contract = {} -%}
    {%- set location = {} -%}
    {%- for node in graph.sources.values() if node.source_name == 'oltp' -%}
        {%- do contract.update({node.identifier: node.columns.values() | list}) -%}
        {%- do location.update({'database': node.database, 'schema': node.schema}) -%}
    {%- endfor -%}
    {%- set schema = location['schema'] -%}
    {%- set catalog = raw_catalog(location['database'], schema, contract.keys() | list) -%}
    {%- set found = catalog['columns'] -%}
    {%- if not catalog['schema_exists'] -%}
        {{ return({'checked': true, 'counts': {}, 'problems': [
            'raw contract: schema ' ~ schema ~ ' does not exist (no raw table can be read; the extracts land there,'
            ~ ' or var raw_schema names where they are)'
        ]}) }}
    {%- endif -%}

    {%- set problems = [] -%}
    {%- for table, columns in contract.items() | sort -%}
        {%- if table | lower not in found -%}
            {%- do problems.append('raw contract: ' ~ schema ~ '.' ~ table ~ ' does not exist') -%}
        {%- else -%}
            {%- set actual = found[table | lower] -%}
            {%- for column in columns -%}
                {%- set expected = column['data_type'] -%}
                {%- if column['name'] | lower not in actual -%}
                    {%- do problems.append('raw contract: ' ~ schema ~ '.' ~ table ~ ' has no column ' ~ column['name']) -%}
                {%- elif expected and raw_type_family(actual[column['name'] | lower]) != raw_type_family(expected) -%}
                    {%- do problems.append(
                        'raw contract: ' ~ schema ~ '.' ~ table ~ '.' ~ column['name'] ~ ' is '
                        ~ actual[column['name'] | lower] ~ ', which cannot be read as the contract\'s ' ~ expected
                    ) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if problems -%}
        {{ return({'checked': true, 'problems': problems, 'counts': {}}) }}
    {%- endif -%}

    {%- set checks = {} -%}
    {%- for table, columns in contract.items() -%}
        {%- do checks.update({table: raw_unreadable_values(table, columns, found[table | lower])}) -%}
    {%- endfor -%}
    {%- set scanned = raw_row_counts(checks) -%}
    {%- set counts = scanned['counts'] -%}
    {%- for table, column, what, rows, why in scanned['unreadable'] -%}
        {%- do problems.append(
            'raw value: ' ~ schema ~ '.' ~ table ~ '.' ~ column ~ ' holds ' ~ what ~ ' in ' ~ rows
            ~ (' row' if rows == 1 else ' rows') ~ ', ' ~ why
        ) -%}
    {%- endfor -%}
    {%- set as_of_problem = configured_as_of_beyond_clock() -%}
    {%- if as_of_problem -%}
        {%- do problems.append(as_of_problem) -%}
    {%- endif -%}
    {%- if problems -%}
        {{ return({'checked': true, 'problems': problems, 'counts': {}}) }}
    {%- endif -%}
    {%- set previous = previous_raw_counts() -%}
    {%- set share = var('raw_shrink_error_share', 0.1) | float -%}
    {%- set refused = [] -%}
    {%- for table, rows in counts.items() | sort -%}
        {%- set before = previous.get(table) -%}
        {%- set since = '' if before is none else ', ' ~ before ~ ' at the last completed run' -%}
        {%- set problem = none -%}
        {%- if rows == 0 -%}
            {%- set problem = 'raw volume: ' ~ schema ~ '.' ~ table ~ ' is empty (0 rows' ~ since ~ ')' -%}
        {%- elif before is not none and before > 0 and (before - rows) / before > share -%}
            {%- set problem = (
                'raw volume: ' ~ schema ~ '.' ~ table ~ ' has ' ~ rows ~ ' rows, ' ~ before
                ~ ' at the last completed run: ' ~ '%.1f' | format(100.0 * (before - rows) / before)
                ~ '% fewer, more than raw_shrink_error_share (' ~ share ~ ')'
            ) -%}
        {%- endif -%}
        {%- if problem is not none and raw_shrink_accepted(table) -%}
            {%- do log(problem ~ '; accepted by accept_raw_shrink', info=true) -%}
        {%- elif problem is not none -%}
            {%- do problems.append(problem) -%}
            {%- do refused.append(table) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if refused -%}
        {%- do problems.append(
            'a drop that is known and right is accepted with --vars \'{accept_raw_shrink: [' ~ refused | join(', ') ~ ']}\''
        ) -%}
    {%- endif -%}
    {{ return({'checked': true, 'problems': problems, 'counts': counts}) }}
{%- endmacro %}

{#-
    What the raw schema holds: a dict with `schema_exists` and `columns` (lower-case table -> lower-case column ->
    lower-case type), from one information_schema query.
-#}
{% macro raw_catalog(database, schema, tables) -%}
    {{ return(adapter.dispatch('raw_catalog', 'outreach_warehouse')(database, schema, tables)) }}
{%- endmacro %}

{% macro default__raw_catalog(database, schema, tables) -%}
    {%- set catalog_filter = '' -%}
    {%- if database -%}
        {%- set catalog_filter = " and lower(table_catalog) = lower('" ~ database ~ "')" -%}
    {%- endif -%}
    {%- set query -%}
        select 'schema' as entry, '' as table_name, '' as column_name, '' as data_type
        from information_schema.schemata
        where lower(schema_name) = lower('{{ schema }}'){{ catalog_filter | replace('table_catalog', 'catalog_name') }}
        union all
        select 'column' as entry, lower(table_name), lower(column_name), lower(data_type)
        from information_schema.columns
        where lower(table_schema) = lower('{{ schema }}'){{ catalog_filter }}
    {%- endset -%}
    {%- set found = {} -%}
    {%- set schema_exists = [] -%}
    {%- for row in run_query(query).rows -%}
        {%- if row[0] == 'schema' -%}
            {%- do schema_exists.append(true) -%}
        {%- else -%}
            {%- do found.setdefault(row[1], {}).update({row[2]: row[3]}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return({'schema_exists': schema_exists | length > 0, 'columns': found}) }}
{%- endmacro %}

{#-
    Spark has no information_schema: the metastore is asked table by table (the contract's tables). Spark's
    TIMESTAMP is an instant (shown in the session time zone), so it reads as `timestamp with time zone`;
    TIMESTAMP_NTZ, a wall-clock time, does not.
-#}
{% macro spark__raw_catalog(database, schema, tables) -%}
    {%- if not adapter.check_schema_exists(database, schema) -%}
        {{ return({'schema_exists': false, 'columns': {}}) }}
    {%- endif -%}
    {%- set found = {} -%}
    {%- for table in tables -%}
        {%- set relation = adapter.get_relation(database, schema, table) -%}
        {%- if relation is not none -%}
            {%- set columns = {} -%}
            {%- for column in adapter.get_columns_in_relation(relation) -%}
                {%- set data_type = column.dtype | lower -%}
                {%- do columns.update({column.name | lower: 'timestamp with time zone' if data_type == 'timestamp' else data_type}) -%}
            {%- endfor -%}
            {%- do found.update({table | lower: columns}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return({'schema_exists': true, 'columns': found}) }}
{%- endmacro %}

{#-
    The value checks of one raw table whose columns have the contract's types: a list of (column, what is
    wrong, a condition true on an unreadable value, why it breaks the extract). A timestamp must be finite (`-infinity`/`infinity`
    is no time any rule can place), except where the quarantine rules place such a row: a message sent,
    or an event dated, far in the future or past is a bad row, not a broken extract. A number in a column
    the contract reads as `integer` but stored wider must fit the integer's range. No `_extracted_at` may
    lie beyond the run's clock (extract_clock_limit).
-#}
{% macro raw_unreadable_values(table, columns, actual_types) -%}
    {%- set quarantined_times = {'email_messages': ['sent_at'], 'email_events': ['occurred_at']} -%}
    {%- set integer_types = ['integer', 'int', 'int4', 'int2', 'smallint', 'tinyint'] -%}
    {%- set checks = [] -%}
    {%- set unreadable = 'which the contract\'s type cannot read' -%}
    {%- for column in columns -%}
        {%- set family = raw_type_family(column['data_type']) -%}
        {%- set actual = (actual_types[column['name'] | lower] or '') | lower -%}
        {%- if family == 'timestamptz' and column['name'] not in quarantined_times.get(table, []) -%}
            {%- do checks.append((
                column['name'], 'an infinite timestamp', raw_timestamp_is_infinite(column['name']), unreadable
            )) -%}
        {%- elif family == 'integer' and column['data_type'] | lower == 'integer' and actual not in integer_types -%}
            {%- do checks.append((
                column['name'], 'a number outside the integer range',
                column['name'] ~ ' not between -2147483648 and 2147483647', unreadable
            )) -%}
        {%- endif -%}
        {%- if column['name'] | lower == '_extracted_at' -%}
            {%- do checks.append((
                column['name'], 'a time later than the run\'s clock',
                column['name'] ~ ' > ' ~ timestamp_literal(extract_clock_limit()),
                'an extract from the future (later than the run\'s clock ' ~ utc_iso_string(run_started_at)
                ~ ' plus extract_clock_tolerance_minutes, ' ~ var('extract_clock_tolerance_minutes', 60)
                ~ '): a broken extract, never a new as-of'
            )) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(checks) }}
{%- endmacro %}

{#- SQL: whether a timestamp is infinite (`infinity` or `-infinity`). -#}
{% macro raw_timestamp_is_infinite(column) -%}
    {{ return(adapter.dispatch('raw_timestamp_is_infinite', 'outreach_warehouse')(column)) }}
{%- endmacro %}

{% macro default__raw_timestamp_is_infinite(column) -%}
    not isfinite({{ column }})
{%- endmacro %}

{#- Spark's timestamps have no infinity. -#}
{% macro spark__raw_timestamp_is_infinite(column) -%}
    false
{%- endmacro %}

{#-
    The row count of each raw table and its unreadable values, in one query (one scan of each table):
    `checks` maps a table to its value checks (raw_unreadable_values). Returns a dict with `counts`
    (table -> row count) and `unreadable` (a list of (table, column, what, rows, why) with rows > 0).
-#}
{% macro raw_row_counts(checks) -%}
    {%- set width = [1] -%}
    {%- for table_checks in checks.values() -%}
        {%- do width.append(table_checks | length) -%}
    {%- endfor -%}
    {%- set query -%}
        {%- for table, table_checks in checks.items() | sort %}
        select
            '{{ table }}' as table_name,
            count(*) as row_count
            {%- for index in range(width | max) %},
            {%- if index < table_checks | length %}
            sum(case when {{ table_checks[index][2] }} then 1 else 0 end) as unreadable_{{ index }}
            {%- else %}
            0 as unreadable_{{ index }}
            {%- endif %}
            {%- endfor %}
        from {{ source('oltp', table) }}
        {%- if not loop.last %}
        union all
        {%- endif %}
        {%- endfor %}
    {%- endset -%}
    {%- set counts = {} -%}
    {%- set unreadable = [] -%}
    {%- for row in run_query(query).rows -%}
        {%- do counts.update({row[0]: row[1] | int}) -%}
        {%- for check in checks[row[0]] -%}
            {%- set rows = (row[2 + loop.index0] or 0) | int -%}
            {%- if rows > 0 -%}
                {%- do unreadable.append((row[0], check[0], check[1], rows, check[3])) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return({'counts': counts, 'unreadable': unreadable}) }}
{%- endmacro %}

{#- The raw row counts recorded by the last completed run that recorded them: table -> count ({} when none). -#}
{% macro previous_raw_counts() -%}
    {%- set runs = warehouse_runs_relation() -%}
    {%- set counts = warehouse_raw_counts_relation() -%}
    {%- if adapter.get_relation(runs.database, runs.schema, runs.identifier) is none
        or adapter.get_relation(counts.database, counts.schema, counts.identifier) is none -%}
        {{ return({}) }}
    {%- endif -%}
    {%- set query -%}
        select recorded.table_name, recorded.row_count
        from {{ counts }} as recorded
        inner join (
            select runs.invocation_id
            from {{ runs }} as runs
            where
                runs.completed_at is not null
                and runs.invocation_id in (select counted.invocation_id from {{ counts }} as counted)
            order by runs.run_started_at desc
            limit 1
        ) as last_run on recorded.invocation_id = last_run.invocation_id
    {%- endset -%}
    {%- set previous = {} -%}
    {%- for row in run_query(query).rows -%}
        {%- do previous.update({row[0]: row[1] | int}) -%}
    {%- endfor -%}
    {{ return(previous) }}
{%- endmacro %}

{#-
    The latest time an extract may carry, as a UTC ISO string: the run's own clock (dbt's `run_started_at`) plus
    var('extract_clock_tolerance_minutes') (60 by default: the extract host's clock may run a little ahead of the
    warehouse's). A later `_extracted_at` is a broken extract, and a later `as_of` var is refused.
-#}
{% macro extract_clock_limit() -%}
    {%- set tolerance = var('extract_clock_tolerance_minutes', 60) | int -%}
    {{ return(utc_iso_string(run_started_at + modules.datetime.timedelta(minutes=tolerance))) }}
{%- endmacro %}

{#-
    The problem with an explicit `as_of` var later than extract_clock_limit(), or none: time travel goes back,
    never past the run's own clock (compared by the engine, which reads the var as every model does).
-#}
{% macro configured_as_of_beyond_clock() -%}
    {%- set configured = configured_as_of() -%}
    {%- if configured is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set query -%}
        select case when {{ timestamp_literal(configured) }} > {{ timestamp_literal(extract_clock_limit()) }} then 1 else 0 end
    {%- endset -%}
    {%- if run_query(query).columns[0].values()[0] | int == 1 -%}
        {{ return(
            'raw value: the as_of var (' ~ configured ~ ') is later than the run\'s clock ' ~ utc_iso_string(run_started_at)
            ~ ' plus extract_clock_tolerance_minutes (' ~ var('extract_clock_tolerance_minutes', 60)
            ~ '): an as-of travels back in time, never beyond the clock'
        ) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}
