-- Campaign rows equal the sum of their step rows for the same period (docs: rules_message_funnel).
{{ funnel_sums_mismatch(ref('sequence_step_analytics'), ref('campaign_analytics'), ['campaign_id', 'billing_id']) }}
