{#-
    Mailbox health (see the mart rules): 100 - least(50, 10 * bounce_pct) - least(50, 100 * spam_pct), where
    bounce_pct = 100 * bounced / sent and spam_pct = 100 * spam_complaints / delivered, a term with a
    zero denominator being 0. Computed exactly, as one integer fraction N / D with D = sent * delivered,
    and rounded half away from zero (the score is never negative, so floor((2N + D) / 2D)); no floating
    point and no engine's `round` is involved.
-#}
{% macro health_score(sent, delivered, bounced, spam_complaints) -%}
    {%- set sent_d = 'cast(case when ' ~ sent ~ ' > 0 then ' ~ sent ~ ' else 1 end as bigint)' -%}
    {%- set delivered_d = 'cast(case when ' ~ delivered ~ ' > 0 then ' ~ delivered ~ ' else 1 end as bigint)' -%}
    {#- each penalty as a fraction over its own denominator: least(50 * d, 1000 * bounced) / sent, ... -#}
    {%- set bounce_n = 'case when ' ~ sent ~ ' > 0 then least(50 * cast(' ~ sent ~ ' as bigint), 1000 * cast(' ~ bounced ~ ' as bigint)) else 0 end' -%}
    {%- set spam_n = 'case when ' ~ delivered ~ ' > 0 then least(50 * cast(' ~ delivered ~ ' as bigint), 10000 * cast(' ~ spam_complaints ~ ' as bigint)) else 0 end' -%}
    {%- set denominator = '(' ~ sent_d ~ ' * ' ~ delivered_d ~ ')' -%}
    {%- set numerator = '(100 * ' ~ denominator ~ ' - (' ~ bounce_n ~ ') * ' ~ delivered_d ~ ' - (' ~ spam_n ~ ') * ' ~ sent_d ~ ')' -%}
    cast({{ integer_divide('2 * ' ~ numerator ~ ' + ' ~ denominator, '2 * ' ~ denominator) }} as integer)
{%- endmacro %}
