{#-
    Access on Postgres (see the access rules): the marts are readable by a reporting role, admin_audit_log only by
    a compliance role (dbt grants, configured in dbt_project.yml), and tenant-facing readers see only
    their own tenant's rows through row-level security keyed by the session setting `app.tenant_id`.
    The roles are created when missing (var `create_access_roles`), so that grants never fail on a
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

{#- The row-level security post-hook of a mart whose rows belong to a tenant through billing_id. -#}
{% macro billing_row_security() -%}
    {{ return(tenant_row_security('billing_id in (select id from ' ~ ref('billing_analytics') ~ ')')) }}
{%- endmacro %}

{#-
    Row-level security for tenant-facing readers (a post-hook of the tenant-scoped marts on Postgres):
    a row is visible when `visible_when` holds: its tenant is the session's `app.tenant_id`, directly
    (billing_analytics) or through its billing period (a billing_id the reader can see in
    billing_analytics, itself protected). The owner (the dbt user) and the reporting role see all
    rows. The post-hook runs inside the transaction that creates the table, before its grants, so
    a table is never readable without its policies.
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
