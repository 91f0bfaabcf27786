{#-
    What a run recomputes (docs/incremental-design.md). A run is incremental when the last completed run
    (the run log) is its starting point: same settings and code, an as-of not later than this one's. Then
    `int_changed_messages` lists the messages whose classification or outcome can have changed since that
    run, the per-message tables rewrite those messages, and `lead_analytics` rewrites the keys they belong
    to, before and after. Anything else (a first build, `--full-refresh`, changed settings or code, an
    earlier as-of) recomputes everything.
-#}

{#-
    The last completed run before this one, when this run can start from it: a dict of timestamp literals,
    `as_of_at` (its as-of), `started_at` (its start: rows written since then are this run's work, or that of
    runs that did not complete) and `changes_since` (its as-of less var('incremental_lookback_hours'): raw rows
    extracted since then are read again, for extracts that land late). None when there is none, when this
    run's as-of is earlier (a rewind), or when the settings that change results differ (`settings_fingerprint`).
-#}
{% macro previous_completed_run() -%}
    {%- set runs = warehouse_runs_relation() if execute else none -%}
    {%- if runs is none or adapter.get_relation(runs.database, runs.schema, runs.identifier) is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set query -%}
        select
            as_of_at,
            run_started_at,
            case when as_of_at > {{ as_of() }} then 1 else 0 end as is_later,
            -- this invocation's fingerprint, recorded once by on-run-start (none recorded: compile, show)
            case
                when settings_fingerprint = (
                    select max(current_run.settings_fingerprint) from {{ runs }} as current_run
                    where current_run.invocation_id = '{{ invocation_id }}'
                ) then 1
                else 0
            end as same_settings
        from {{ runs }}
        where completed_at is not null and invocation_id <> '{{ invocation_id }}'
        order by run_started_at desc
        limit 1
    {%- endset -%}
    {%- set rows = run_query(query).rows -%}
    {%- if rows | length == 0 or rows[0][2] == 1 or rows[0][3] == 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set since = rows[0][0] - modules.datetime.timedelta(hours=var('incremental_lookback_hours')) -%}
    {{ return({
        'as_of_at': timestamp_literal(utc_iso_string(rows[0][0])),
        'started_at': timestamp_literal(utc_iso_string(rows[0][1])),
        'changes_since': timestamp_literal(utc_iso_string(since)),
    }) }}
{%- endmacro %}

{#-
    The vars that change results, and the code: a change of either makes the next run recompute everything.
    The code is every model's and seed's file checksum and the text of every macro of this project.
-#}
{% macro settings_fingerprint() -%}
    {%- set parts = [] -%}
    {%- for name in ['raw_schema', 'event_clock_skew_minutes', 'current_volume_window_hours', 'health_window_hours'] -%}
        {%- do parts.append(name ~ '=' ~ var(name)) -%}
    {%- endfor -%}
    {%- for node in graph.nodes.values() | sort(attribute='unique_id')
        if node.resource_type in ['model', 'seed'] and node.package_name == project_name -%}
        {%- do parts.append(node.unique_id ~ '=' ~ node.checksum.checksum) -%}
    {%- endfor -%}
    {%- set macros = context[project_name] -%}
    {%- for name in macros.keys() | sort -%}
        {%- do parts.append(name ~ '=' ~ macros[name].macro.macro_sql) -%}
    {%- endfor -%}
    {{ return(local_md5(parts | join('\n'))) }}
{%- endmacro %}

{#-
    The previous completed run when this incremental model recomputes only what changed since it; none when it
    recomputes everything (not incremental, or no usable previous run).
-#}
{% macro recomputes_changes_since() -%}
    {%- if not execute or this is none or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(previous_completed_run()) }}
{%- endmacro %}

{#-
    The previous completed run that `int_changed_messages` lists changes since, or none: every message is
    recomputed. Spark's models are rebuilt whole (its parquet tables have no DELETE), so there it is always none.
-#}
{% macro changes_since_last_run() -%}
    {{ return(adapter.dispatch('changes_since_last_run', 'outreach_warehouse')()) }}
{%- endmacro %}

{% macro default__changes_since_last_run() -%}
    {{ return(previous_completed_run() if execute else none) }}
{%- endmacro %}

{% macro spark__changes_since_last_run() -%}
    {{ return(none) }}
{%- endmacro %}

{#-
    The configuration of a table recomputed by message: incremental with `strategy` on `unique_key` where the
    engine can delete rows; on Spark a table rebuilt whole (a day there touches most of any partitioning, so a
    rewrite costs what a partial overwrite would: docs/incremental-design.md).
-#}
{% macro recomputed_by_message(unique_key=none, strategy='delete+insert') -%}
    {{ return(adapter.dispatch('recomputed_by_message', 'outreach_warehouse')(unique_key, strategy)) }}
{%- endmacro %}

{% macro default__recomputed_by_message(unique_key, strategy) -%}
    {%- set settings = {'materialized': 'incremental', 'incremental_strategy': strategy, 'on_schema_change': 'fail'} -%}
    {%- if unique_key is not none -%}
        {%- do settings.update({'unique_key': unique_key}) -%}
    {%- endif -%}
    {{ return(settings) }}
{%- endmacro %}

{% macro spark__recomputed_by_message(unique_key, strategy) -%}
    {{ return({'materialized': 'table'}) }}
{%- endmacro %}

{#-
    Pre-hook of an incremental model: when it recomputes everything (`previous` is none), its old rows go
    first; when it recomputes what changed, the rows `stale_rows` names (a condition) go, those its query
    writes anew and which no unique key can replace (rows with a null key).
-#}
{% macro delete_recomputed_rows(stale_rows=none, previous='unset') -%}
    {%- if previous == 'unset' -%}
        {%- set previous = recomputes_changes_since() -%}
    {%- endif -%}
    {%- if not execute or not is_incremental() -%}
        select 1 as nothing_to_delete
    {%- elif previous is none -%}
        delete from {{ this }}
    {%- elif stale_rows is not none -%}
        delete from {{ this }} where {{ stale_rows }}
    {%- else -%}
        select 1 as nothing_to_delete
    {%- endif -%}
{%- endmacro %}

{#-
    For a mart recomputed by its own keys, from where the changed messages counted before and where they count
    now (`lead_analytics`): the previous completed run, or none when it recomputes everything, which it also
    does when messages were reclassified since without what they were before (a full recompute of them).
-#}
{% macro recomputes_keys_since() -%}
    {%- set previous = recomputes_changes_since() -%}
    {%- if previous is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set query -%}
        select count(*) from {{ ref('int_messages_classified') }}
        where recomputed_at > {{ previous['started_at'] }} and counted_before is null
    {%- endset -%}
    {{ return(previous if run_query(query).columns[0].values()[0] == 0 else none) }}
{%- endmacro %}

{#-
    SQL to select from: the rows of `relation` (a table with a `message_id`) that belong to the messages this
    model recomputes: those of `int_changed_messages` (a join: the plan stays linear on every engine, where
    `in (subquery) or ...` lists are not), or all of it when it recomputes everything.
-#}
{% macro of_changed_messages(relation) -%}
    {%- if recomputes_changes_since() is none -%}
        {{ relation }}
    {%- else -%}
        (
            select recomputed.*
            from {{ relation }} as recomputed
            inner join {{ ref('int_changed_messages') }} as changed
                on recomputed.message_id = changed.message_id
        ) as changed_rows
    {%- endif -%}
{%- endmacro %}

{#-
    The extract time from which an incremental staging run reads the raw rows again: the last completed run's
    as-of less the lookback (`changes_since`), so that an extract landing late is still picked up (reading it
    again is idempotent). None when the model recomputes everything.
-#}
{% macro incremental_lower_bound() -%}
    {%- set previous = recomputes_changes_since() -%}
    {{ return(none if previous is none else previous['changes_since']) }}
{%- endmacro %}

{#- The high-water mark itself: rows with a null key are only ever taken once, past it. -#}
{% macro incremental_high_water_mark(column='extracted_at') -%}
    {%- set latest = run_query('select max(' ~ column ~ ') from ' ~ this).columns[0].values()[0] -%}
    {{ return(timestamp_literal(utc_iso_string(latest))) }}
{%- endmacro %}

{#-
    Pre-hook of an append-only "first copy wins" model (the staged events): a copy that lands late,
    inside the lookback, with an earlier `_extracted_at` (or the same, received earlier) than the copy
    already staged for its id, outranks it; the staged row is deleted so that the run appends the
    winner, as a full rebuild would choose it. Copies older than the lookback are out of reach by
    design (var('incremental_lookback_hours')).
-#}
{% macro retire_outranked_first_copies(source_relation, source_key, staged_key) -%}
    {%- set lower_bound = incremental_lower_bound() -%}
    {%- if lower_bound is none -%}
        select 1 as nothing_to_retire
    {%- else -%}
        delete from {{ this }} as staged
        where exists (
            select 1
            from {{ source_relation }} as late_copy
            where
                cast(late_copy.{{ source_key }} as {{ dbt.type_string() }}) = staged.{{ staged_key }}
                and late_copy._extracted_at > {{ lower_bound }}
                and late_copy._extracted_at <= {{ as_of() }}
                and (
                    late_copy._extracted_at < staged.extracted_at
                    or (
                        late_copy._extracted_at = staged.extracted_at
                        and cast(late_copy.received_at as {{ type_timestamp_tz() }})
                        < coalesce(staged.received_at, {{ timestamp_literal('9999-12-31T00:00:00+00:00') }})
                    )
                )
        )
    {%- endif -%}
{%- endmacro %}

{#-
    The materialization of the staged messages and events: incremental (a lookback over the extracts) where the
    engine can delete the rows a re-extract replaces; a table rebuilt from the raw extracts on Spark, whose parquet
    tables have no DELETE (on a cluster, Delta's MERGE on the id makes them incremental again: docs/spark.md). The
    rebuilt table is what the incremental one equals, and later models read it the same way.
-#}
{% macro staged_extract_materialization() -%}
    {{ return(adapter.dispatch('staged_extract_materialization', 'outreach_warehouse')()) }}
{%- endmacro %}

{% macro default__staged_extract_materialization() -%}
    {{ return('incremental') }}
{%- endmacro %}

{% macro spark__staged_extract_materialization() -%}
    {{ return('table') }}
{%- endmacro %}

{#-
    When a staged row was first staged with its current values: this run's start for a new or changed row, the
    stored time for a row that the lookback reads again unchanged (the `columns` of `fresh` equal, null-safe,
    to those of `stored`, the row already staged under the same `key`). Rows staged since the last completed
    run are that run's changes.
-#}
{% macro staged_at(fresh, stored, key, columns) -%}
    case
        when {{ stored }}.{{ key }} is not null
            {%- for column in columns %}
            and {{ values_match(fresh ~ '.' ~ column, stored ~ '.' ~ column) }}
            {%- endfor %}
            then {{ stored }}.staged_at
        else {{ run_started_at_literal() }}
    end
{%- endmacro %}

{#-
    SQL: the keys (`key`, columns of raw `table`, a source of the oltp schema, cast to text) with a version
    extracted since the last completed run (`previous['changes_since']`, up to the as-of) whose `columns` differ
    from those of the latest earlier versions (or of another recent version), or that were unknown before. With no
    `columns`: the keys that arrived. A version the lookback reads again unchanged is no change.
-#}
{% macro changed_entity_keys(table, columns, previous, key=['id']) -%}
    {%- set raw = source('oltp', table) -%}
    {%- set bound = previous['changes_since'] -%}
    {#- one pass: no join whose size a planner can misjudge into a nested loop (on Postgres it did, 450 s at 1M) -#}
    select
        {%- for column in key %}
        cast(versions.{{ column }} as {{ dbt.type_string() }}) as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from (
        select
            known.*,
            max(case when known._extracted_at <= {{ bound }} then known._extracted_at end)
                over (partition by {% for column in key %}known.{{ column }}{{ ', ' if not loop.last }}{% endfor %})
                as latest_known_at
        from {{ raw }} as known
        inner join (
            select distinct {{ key | join(', ') }}
            from {{ raw }}
            where _extracted_at > {{ bound }} and _extracted_at <= {{ as_of() }}
        ) as candidates
            on
                {%- for column in key %}
                known.{{ column }} = candidates.{{ column }}{{ ' and' if not loop.last }}
                {%- endfor %}
        where known._extracted_at <= {{ as_of() }}
    ) as versions
    where versions._extracted_at > {{ bound }} or versions._extracted_at = versions.latest_known_at
    group by {% for column in key %}versions.{{ column }}{{ ', ' if not loop.last }}{% endfor %}
    having
        max(versions.latest_known_at) is null
        {%- if columns %}
        or count(distinct {{ dbt.concat(columns_as_text(columns, 'versions')) }}) > 1
        {%- endif %}
{%- endmacro %}

{#- The `columns` of `relation` as text, a null as a marker no value takes, separated by '|' (for dbt.concat). -#}
{% macro columns_as_text(columns, relation) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("coalesce(cast(" ~ relation ~ "." ~ column ~ " as " ~ dbt.type_string() ~ "), '<null>')") -%}
        {%- if not loop.last -%}
            {%- do parts.append("'|'") -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(parts) }}
{%- endmacro %}

{#- SQL: `left` equals `right`, two nulls included (dbt.equals compares nulls only behind a behaviour flag). -#}
{% macro values_match(left, right) -%}
    coalesce({{ left }} = {{ right }}, {{ left }} is null and {{ right }} is null)
{%- endmacro %}

{#-
    SQL: the mailboxes whose provider or domain has a new version since the last completed run (message_analytics
    shows them on every message of the mailbox); nothing when there is no such run.
-#}
{% macro mailboxes_with_new_attributes() -%}
    {%- set previous = recomputes_changes_since() -%}
    {%- if previous is none -%}
        select cast(null as {{ dbt.type_string() }}) as id where 1 = 0
    {%- else -%}
        {{ changed_entity_keys('email_accounts', ['provider', 'domain_id'], previous) }}
    {%- endif -%}
{%- endmacro %}

{#-
    Post-hook of every model: on Postgres, an incremental table's statistics refreshed after the run wrote into it.
    Autovacuum analyzes later; until then the planner reads the rows a run just wrote as almost none (the rows
    recomputed since the last completed run estimated at 1), and a join over them can turn quadratic. Other
    engines keep no such statistics to refresh.
-#}
{% macro refresh_statistics() -%}
    {{ return(adapter.dispatch('refresh_statistics', 'outreach_warehouse')()) }}
{%- endmacro %}

{% macro default__refresh_statistics() -%}
    select 1 as statistics_kept
{%- endmacro %}

{% macro postgres__refresh_statistics() -%}
    {%- if execute and config.get('materialized') == 'incremental' -%}
        analyze {{ this }}
    {%- else -%}
        select 1 as statistics_kept
    {%- endif -%}
{%- endmacro %}
