{#-
    The OLTP vocabularies (see the source rules), defined once: staging tests, marts and quarantine all read them.
-#}
{% macro vocabulary(name) -%}
    {%- set vocabularies = {
        'company_status': ['active', 'suspended', 'archived'],
        'subscription_status': ['active', 'past_due', 'canceled', 'unpaid'],
        'domain_verification_status': ['pending', 'verified', 'failed', 'error'],
        'mailbox_status': ['active', 'paused', 'error', 'disabled'],
        'warmup_status': ['pending', 'active', 'completed', 'paused'],
        'lead_status': ['active', 'unsubscribed', 'bounced'],
        'campaign_status': ['draft', 'scheduled', 'sending', 'completed', 'paused'],
        'step_type': ['email', 'wait', 'condition'],
        'enrolment_status': ['queued', 'active', 'completed', 'replied', 'bounced', 'unsubscribed', 'stopped'],
        'message_type': ['campaign', 'warmup'],
        'event_type': ['delivered', 'opened', 'clicked', 'replied', 'bounced', 'unsubscribed', 'spam_complaint'],
        'bounce_type': ['hard', 'soft'],
        'data_classification': ['public', 'internal', 'confidential', 'restricted'],
        'retention_category': ['standard', 'extended', 'regulatory', 'legal_hold'],
    } -%}
    {%- if name not in vocabularies -%}
        {{ exceptions.raise_compiler_error('vocabulary: unknown vocabulary ' ~ name) }}
    {%- endif -%}
    {{ return(vocabularies[name]) }}
{%- endmacro %}

{#- `column` when its (normalised) value belongs to the vocabulary, else null (see the bad-input rules). -#}
{% macro vocabulary_value(column, name) -%}
    case when {{ column }} in ({{ vocabulary_list(name) }}) then {{ column }} end
{%- endmacro %}

{% macro vocabulary_list(name) -%}
    {%- for value in vocabulary(name) -%}
        '{{ value }}'{% if not loop.last %}, {% endif %}
    {%- endfor -%}
{%- endmacro %}
