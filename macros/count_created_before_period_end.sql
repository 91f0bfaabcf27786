{#-
    Per billing period, how many of the tenant's `entities` (a relation with tenant_id and created_at)
    were created before the period end (billing_analytics.domains_used, leads_used).
-#}
{% macro count_created_before_period_end(periods, entities, count_name) -%}
    select
        {{ periods }}.billing_id,
        cast(count(*) as integer) as {{ count_name }}
    from {{ periods }}
    inner join {{ entities }}
        on
            {{ periods }}.tenant_id = {{ entities }}.tenant_id
            and {{ entities }}.created_at < {{ periods }}.period_end
    group by {{ periods }}.billing_id
{%- endmacro %}
