-- The campaign messages of message_analytics, summed per campaign and billing period, equal the counters of
-- campaign_analytics (docs: rules_message_funnel): the message-grain fact and the period marts count the same.
-- A balance over whole tables: it runs on the weekly selector (and in CI), not in the daily job.
{{ config(tags=['weekly']) }}
{{ funnel_sums_mismatch(
    ref('message_analytics'), ref('campaign_analytics'), ['campaign_id', 'billing_id'], "message_type = 'campaign'"
) }}
