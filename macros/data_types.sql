{#- Column types of the marts' contracts that differ between engines (see the mart rules). -#}

{%- macro type_timestamp_tz() -%}
    {{ return(adapter.dispatch('type_timestamp_tz', 'outreach_warehouse')()) }}
{%- endmacro -%}

{%- macro default__type_timestamp_tz() -%}timestamp with time zone{%- endmacro -%}

{%- macro spark__type_timestamp_tz() -%}timestamp{%- endmacro -%}

{%- macro type_json() -%}
    {{ return(adapter.dispatch('type_json', 'outreach_warehouse')()) }}
{%- endmacro -%}

{%- macro default__type_json() -%}json{%- endmacro -%}

{%- macro postgres__type_json() -%}jsonb{%- endmacro -%}

{%- macro spark__type_json() -%}string{%- endmacro -%}
