-- Conservation of messages (docs: rules_sources_and_bad_input): every raw message extracted up to the as-of
-- is counted in a mart (campaign messages in campaign_analytics, warmup messages in warmup_analytics),
-- quarantined, or a duplicate copy of a message id.
-- A balance over whole tables: it runs on the weekly selector (and in CI), not in the daily job.
{{ config(tags=['weekly']) }}
{%- set counted_messages %}
    select
        (select coalesce(sum(sent), 0) from {{ ref('campaign_analytics') }})
        + (select coalesce(sum(sent), 0) from {{ ref('warmup_analytics') }}) as counted_rows
{%- endset %}

{{ conservation_failures('email_messages', counted_messages) }}
