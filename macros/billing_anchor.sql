{#-
    The billing anchor (see the billing period and bad-input rules): a tenant's sign-up time anchors its billing
    periods only when it is known and lies at most `billing_anchor_max_months()` months (100 years) before the
    as-of. A tenant without a usable anchor has no billing periods, and its messages are quarantined
    (`tenant_without_sign_up`): one bad `created` value never leaves counted messages without a period, so it
    never stops the build for the other tenants.
-#}

{#- The oldest usable anchor, in whole months before the as-of: 1200 (100 years); also the most periods a tenant has, less one. -#}
{% macro billing_anchor_max_months() -%}
    {{ return(1200) }}
{%- endmacro %}

{#- SQL: true when `created_column` is a usable billing anchor, false when it is null or too far back. -#}
{% macro has_usable_billing_anchor(created_column) -%}
    (
        {{ created_column }} is not null
        and {{ created_column }} >= {{ add_months(as_of(), -1 * billing_anchor_max_months()) }}
    )
{%- endmacro %}
