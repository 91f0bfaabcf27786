{#-
    Access on Postgres (see the access rules): the marts are readable by a reporting role, admin_audit_log only by
    a compliance role (dbt grants, configured in dbt_project.yml), and a tenant sees only its own tenant's rows
    through row-level security keyed on who is connected: each tenant login (a Postgres role with LOGIN and a
    password, member of the tenant reader role) is mapped to its tenant in `reference.tenant_logins`, a table
    the project creates and operators fill. No session setting takes part, so a login cannot widen what it
    sees. The roles are created when missing (var `create_access_roles`), so that grants never fail on a
    fresh server; production points the vars at roles it manages itself.
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
            create role {{ role }} nologin;
        end if;
        {%- endfor %}
    end
    $$
    {%- else -%}
    select 1 as roles_managed_elsewhere
    {%- endif -%}
{%- endmacro %}

{#- Grants of a tenant-scoped mart (reporting and tenant readers) or of the audit log (compliance). -#}
{% macro mart_grants(audience='reporting') -%}
    {%- if target.type != 'postgres' -%}
        {{ return({}) }}
    {%- elif audience == 'compliance' -%}
        {{ return({'select': [var('compliance_role')]}) }}
    {%- endif -%}
    {{ return({'select': [var('reporting_role'), var('tenant_reader_role')]}) }}
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

{#- The row-level security post-hook of billing_analytics: a row is visible to the logins of its tenant. -#}
{% macro tenant_login_row_security() -%}
    {{ return(tenant_row_security('tenant_id = ' ~ login_tenant_id())) }}
{%- endmacro %}

{#- The row-level security post-hook of a mart whose rows belong to a tenant through billing_id. -#}
{% macro billing_row_security() -%}
    {{ return(tenant_row_security(
        'billing_id in (select billing.id from ' ~ ref('billing_analytics') ~ ' as billing where billing.tenant_id = '
        ~ login_tenant_id() ~ ')'
    )) }}
{%- endmacro %}

{#-
    Row-level security for tenant logins (a post-hook of the tenant-scoped marts on Postgres): a row is visible
    to a member of the tenant reader role when `visible_when` holds: its tenant is the one the connected
    login is mapped to, directly (billing_analytics) or through its billing period (billing_id). A login
    that is not mapped, or the tenant reader role itself, sees no row. The owner (the dbt user) and the
    reporting role see all rows. The post-hook runs inside the transaction that creates the table, before
    its grants, so a table is never readable without its policies.
-#}
{% macro tenant_row_security(visible_when) -%}
    {{ return(adapter.dispatch('tenant_row_security', 'outreach_warehouse')(visible_when)) }}
{%- endmacro %}

{% macro default__tenant_row_security(visible_when) -%}
    select 1 as no_row_security_on_this_engine
{%- endmacro %}

{% macro postgres__tenant_row_security(visible_when) -%}
    alter table {{ this }} enable row level security;
    drop policy if exists tenant_isolation on {{ this }};
    create policy tenant_isolation on {{ this }}
        for select to {{ var('tenant_reader_role') }}
        using ({{ visible_when }});
    drop policy if exists reporting_reads_all on {{ this }};
    create policy reporting_reads_all on {{ this }}
        for select to {{ var('reporting_role') }}
        using (true)
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
    {%- set schema = generate_schema_name('analytics', none) -%}
    create schema if not exists {{ schema }};
    grant usage on schema {{ schema }} to {{ var('reporting_role') }}, {{ var('tenant_reader_role') }}, {{ var('compliance_role') }}
{%- endmacro %}

{#-
    on-run-start: the login-to-tenant mapping `reference.tenant_logins` (Postgres), created when missing and
    never dropped by the project; operators map a login with an insert (README: Tenant logins). Members of
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
