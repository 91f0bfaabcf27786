{#-
    Access on Postgres (see the access rules): the published marts (schema `analytics`, see publication.sql) are
    readable by a reporting role, admin_audit_log only by a compliance role, and a tenant sees only its own
    tenant's rows through row-level security keyed on who is connected: each tenant login (a Postgres role with
    LOGIN and a password, member of the tenant reader role) is mapped to its tenant in `reference.tenant_logins`,
    a table the project creates and operators fill. No session setting takes part, so a login cannot widen what
    it sees. Grants and policies are applied to the published tables when they are created and when a build
    publishes; the build schema `analytics_build` gets none. The roles are created when missing (var
    `create_access_roles`), so that grants never fail on a fresh server; production points the vars at roles it
    manages itself.
-#}
{% macro create_access_roles() -%}
    {{ return(adapter.dispatch('create_access_roles', 'outreach_warehouse')()) }}
{%- endmacro %}

{% macro default__create_access_roles() -%}
    select 1 as no_roles_on_this_engine
{%- endmacro %}

{% macro postgres__create_access_roles() -%}
    {%- if var('create_access_roles') -%}
    do $$
    begin
        {%- for role in [var('reporting_role'), var('compliance_role'), var('tenant_reader_role')] %}
        if not exists (select 1 from pg_roles where rolname = '{{ role }}') then
            begin
                create role {{ role }} nologin;
            -- roles belong to the server: a build of another database on it may create the role at the same moment
            exception when duplicate_object or unique_violation then
                null;
            end;
        end if;
        {%- endfor %}
    end
    $$
    {%- else -%}
    select 1 as roles_managed_elsewhere
    {%- endif -%}
{%- endmacro %}

{#- The login-to-tenant mapping: one row per tenant login (login, tenant_id), in the seeds' schema. -#}
{% macro tenant_logins_relation() -%}
    {{ return(api.Relation.create(
        database=target.get('database'), schema=generate_schema_name('reference', none), identifier='tenant_logins'
    )) }}
{%- endmacro %}

{#- SQL: the tenant of the connected login (`current_user`), null for a login that is not mapped. -#}
{% macro login_tenant_id() -%}
    (select logins.tenant_id from {{ tenant_logins_relation() }} as logins where logins.login = current_user)
{%- endmacro %}

{#-
    SQL: the access of a published mart (see publication.sql), applied when it is created and on every
    publication: `published_access` `compliance` is read by the compliance role alone; `tenant` (rows by
    tenant_id, billing_analytics) and `billing_period` (rows by billing_id) by the reporting role, and by tenant
    logins through row-level security. The build tables get no grant at all.
-#}
{% macro secure_published_mart(node, relation) -%}
    {{ return(adapter.dispatch('secure_published_mart', 'outreach_warehouse')(node, relation)) }}
{%- endmacro %}

{% macro default__secure_published_mart(node, relation) -%}
{%- endmacro %}

{% macro postgres__secure_published_mart(node, relation) -%}
    {%- set access = node.config.meta.get('published_access') -%}
    {%- if access == 'compliance' %}
    grant select on {{ relation }} to {{ var('compliance_role') }};
    {%- else %}
    {{ tenant_row_security(relation, tenant_rows_visible_when(access)) }};
    grant select on {{ relation }} to {{ var('reporting_role') }}, {{ var('tenant_reader_role') }};
    {%- endif %}
{%- endmacro %}

{#-
    SQL: the condition under which a tenant login sees a row of a published mart: its tenant is the login's
    (`tenant`), or its billing period is one of the login's tenant's in the published billing_analytics
    (`billing_period`).
-#}
{% macro tenant_rows_visible_when(access) -%}
    {%- if access == 'tenant' -%}
        tenant_id = {{ login_tenant_id() }}
    {%- else -%}
        {%- set billing = published_relation(graph.nodes['model.' ~ project_name ~ '.billing_analytics']) -%}
        billing_id in (select billing.id from {{ billing }} as billing where billing.tenant_id = {{ login_tenant_id() }})
    {%- endif -%}
{%- endmacro %}

{#-
    Row-level security for tenant logins on a published mart (Postgres): a row is visible to a member of the
    tenant reader role when `visible_when` holds for the connected login; a login that is not mapped, or the
    tenant reader role itself, sees no row. The owner (the dbt user) and the reporting role see all rows.
    The policies are named after a digest of their definition and replaced only when it changes (or when they
    are missing), so that a publication takes no lock that would wait for readers.
-#}
{% macro tenant_row_security(relation, visible_when) -%}
    {{ return(adapter.dispatch('tenant_row_security', 'outreach_warehouse')(relation, visible_when)) }}
{%- endmacro %}

{% macro default__tenant_row_security(relation, visible_when) -%}
    select 1 as no_row_security_on_this_engine
{%- endmacro %}

{% macro postgres__tenant_row_security(relation, visible_when) -%}
    {%- set policies = {
        'tenant_isolation': {'role': var('tenant_reader_role'), 'using': visible_when},
        'reporting_reads_all': {'role': var('reporting_role'), 'using': 'true'},
    } -%}
    do $$
    declare
        stale record;
    begin
        if not exists (
            select 1 from pg_class as tables
            inner join pg_namespace as schemas on tables.relnamespace = schemas.oid
            where schemas.nspname = '{{ relation.schema }}' and tables.relname = '{{ relation.identifier }}'
                and tables.relrowsecurity
        ) then
            alter table {{ relation }} enable row level security;
        end if;
        {%- for prefix, policy in policies.items() %}
        {%- set name = prefix ~ '_' ~ local_md5(policy['role'] ~ ' ' ~ policy['using'])[:8] %}
        if not exists (
            select 1 from pg_policies
            where schemaname = '{{ relation.schema }}' and tablename = '{{ relation.identifier }}' and policyname = '{{ name }}'
        ) then
            for stale in
                select policyname from pg_policies
                where schemaname = '{{ relation.schema }}' and tablename = '{{ relation.identifier }}'
                    and policyname like '{{ prefix }}%'
            loop
                execute format('drop policy %I on {{ relation }}', stale.policyname);
            end loop;
            create policy {{ name }} on {{ relation }} for select to {{ policy['role'] }} using ({{ policy['using'] }});
        end if;
        {%- endfor %}
    end
    $$
{%- endmacro %}

{#-
    Readers of the marts also need usage on their schema. Granted once, in on-run-start: concurrent
    grants on one schema from model hooks running in parallel threads collide in Postgres' catalog.
-#}
{% macro grant_mart_schema_usage() -%}
    {{ return(adapter.dispatch('grant_mart_schema_usage', 'outreach_warehouse')()) }}
{%- endmacro %}

{% macro default__grant_mart_schema_usage() -%}
    select 1 as no_schema_grants_on_this_engine
{%- endmacro %}

{% macro postgres__grant_mart_schema_usage() -%}
    {%- set schema = published_schema() -%}
    create schema if not exists {{ schema }};
    grant usage on schema {{ schema }} to {{ var('reporting_role') }}, {{ var('tenant_reader_role') }}, {{ var('compliance_role') }}
{%- endmacro %}

{#-
    on-run-start: the login-to-tenant mapping `reference.tenant_logins` (Postgres), created when missing and
    never dropped by the project; operators map a login with an insert (docs/operations.md: Tenant logins). Members of
    the tenant reader role read only their own row (the mart policies look their tenant up as themselves).
-#}
{% macro create_tenant_logins() -%}
    {{ return(adapter.dispatch('create_tenant_logins', 'outreach_warehouse')()) }}
{%- endmacro %}

{% macro default__create_tenant_logins() -%}
    select 1 as no_tenant_logins_on_this_engine
{%- endmacro %}

{% macro postgres__create_tenant_logins() -%}
    {%- set logins = tenant_logins_relation() -%}
    create schema if not exists {{ logins.schema }};
    create table if not exists {{ logins }} (
        login varchar(63) primary key,
        tenant_id varchar(64) not null
    );
    alter table {{ logins }} enable row level security;
    drop policy if exists own_login on {{ logins }};
    create policy own_login on {{ logins }}
        for select to {{ var('tenant_reader_role') }}
        using (login = current_user);
    grant usage on schema {{ logins.schema }} to {{ var('tenant_reader_role') }};
    grant select on {{ logins }} to {{ var('tenant_reader_role') }}
{%- endmacro %}

{#-
    on-run-start (Postgres): what a login learns of other tenants' sizes from the catalog, closed in the
    warehouse database (docs/operations.md: Tenant logins): the statistics views of tables, indexes, sequences, functions and
    the database (`pg_stat_*`, `pg_statio_*`) and the `pg_stat_get_*` functions they call, pg_stat_statements
    where it is installed, the size functions, and the row and page estimates of `pg_class` (its other columns
    stay readable: psql's `\d` and drivers' catalog queries work) are taken from PUBLIC and granted to the
    reporting role and `pg_monitor`. Revoking on the catalog needs a superuser: another build user leaves them
    open with a warning. Applied only when a privilege is not yet as wanted, under a transaction lock (two grants
    on one catalog row collide).
-#}
{% macro restrict_catalog_statistics() -%}
    {{ return(adapter.dispatch('restrict_catalog_statistics', 'outreach_warehouse')()) }}
{%- endmacro %}

{% macro default__restrict_catalog_statistics() -%}
    select 1 as no_catalog_privileges_on_this_engine
{%- endmacro %}

{% macro postgres__restrict_catalog_statistics() -%}
    {%- set grantees = var('reporting_role') ~ ', pg_monitor' -%}
    {%- set estimates = ['reltuples', 'relpages', 'relallvisible'] -%}
    {%- set statistics_views -%}
        views.relnamespace = 'pg_catalog'::regnamespace and views.relkind = 'v'
        and (views.relname ~ '^pg_stat(io)?_(xact_)?(all|user|sys)_(tables|indexes|sequences)$'
            or views.relname in ('pg_stat_user_functions', 'pg_stat_xact_user_functions', 'pg_stat_database'))
    {%- endset -%}
    {#- pg_stat_statements, when installed: its views and functions show every statement's calls and rows -#}
    {%- set statements_extension -%}
        select members.objid from pg_depend as members
        inner join pg_extension as extensions on members.refobjid = extensions.oid
        where members.refclassid = 'pg_extension'::regclass and members.deptype = 'e'
            and extensions.extname = 'pg_stat_statements' and members.classid =
    {%- endset -%}
    do $$
    declare
        item record;
        visible_columns text;
    begin
        if not exists (select 1 from pg_roles where rolname = current_user and rolsuper) then
            raise warning '%', 'statistics views, size functions and pg_class row estimates stay readable by every login: '
                || 'only a superuser can restrict them (docs/operations.md: Tenant logins)';
            return;
        end if;
        perform pg_advisory_xact_lock(hashtext('outreach_warehouse.restrict_catalog_statistics'));
        for item in
            select views.oid::regclass::text as name
            from pg_class as views
            where ({{ statistics_views }} or views.oid in ({{ statements_extension }} 'pg_class'::regclass))
                and has_table_privilege('public', views.oid, 'select')
        loop
            execute format('revoke select on %s from public', item.name);
            execute format('grant select on %s to {{ grantees }}', item.name);
        end loop;
        for item in
            select functions.oid::regprocedure::text as name
            from pg_proc as functions
            where (
                functions.pronamespace = 'pg_catalog'::regnamespace and (
                    functions.proname in (
                        'pg_relation_size', 'pg_total_relation_size', 'pg_table_size', 'pg_indexes_size',
                        'pg_database_size', 'pg_tablespace_size'
                    )
                    -- the catalog records no dependency of its own views: their functions are read from their text
                    or functions.proname in (
                        select (regexp_matches(pg_get_viewdef(views.oid), 'pg_stat_get_\w+', 'g'))[1]
                        from pg_class as views
                        where {{ statistics_views }}
                    )
                )
                or functions.oid in ({{ statements_extension }} 'pg_proc'::regclass)
            )
                and has_function_privilege('public', functions.oid, 'execute')
        loop
            execute format('revoke execute on function %s from public', item.name);
            execute format('grant execute on function %s to {{ grantees }}', item.name);
        end loop;
        if has_table_privilege('public', 'pg_catalog.pg_class', 'select') then
            select string_agg(quote_ident(attname), ', ' order by attnum) into visible_columns
            from pg_attribute
            where attrelid = 'pg_catalog.pg_class'::regclass and attnum > 0 and not attisdropped
                and attname not in ('{{ estimates | join("', '") }}');
            revoke select on pg_catalog.pg_class from public;
            execute format('grant select (%s) on pg_catalog.pg_class to public', visible_columns);
            grant select on pg_catalog.pg_class to {{ grantees }};
        end if;
    end
    $$
{%- endmacro %}
