-- Conservation of provider events (docs: rules_sources_and_bad_input): every raw event extracted up to the
-- as-of is counted, quarantined, or a duplicate (a retried webhook with an id already seen).
-- A balance over whole tables: it runs on the weekly selector (and in CI), not in the daily job.
{{ config(tags=['weekly']) }}
{%- set counted_events %}
    select count(*) as counted_rows
    from {{ ref('int_events_classified') }}
    where quarantine_reason is null
{%- endset %}

{{ conservation_failures('email_events', counted_events) }}
