{#- Layer schemas are named plainly (staging, intermediate, marts, definitions) rather than
    prefixed with the target schema, so BI users and docs see stable names. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
