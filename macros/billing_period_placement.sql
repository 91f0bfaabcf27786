{#-
    The rows of `relation` with the billing period that holds `time_column` for their tenant
    (`billing_id`, `period_start`; null when none does: no such tenant, no usable sign-up, a time before
    it or beyond the last period). An equi-join on (tenant, period index), not a range join.
-#}
{% macro with_billing_period(relation, tenant_column, time_column) -%}
    select
        placed.*,
        periods.billing_id,
        periods.period_start
    from (
        select
            {{ relation }}.*,
            {{ billing_period_index('anchors.anchor_at', relation ~ '.' ~ time_column) }} as period_index
        from {{ relation }}
        left join {{ ref('int_billing_periods') }} as anchors
            on {{ relation }}.{{ tenant_column }} = anchors.tenant_id and anchors.period_index = 0
    ) as placed
    left join {{ ref('int_billing_periods') }} as periods
        on placed.{{ tenant_column }} = periods.tenant_id and placed.period_index = periods.period_index
{%- endmacro %}
