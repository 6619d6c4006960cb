{% macro json_text(column, key) -%}
    {{ return(adapter.dispatch('json_text', 'revenue_funnel')(column, key)) }}
{%- endmacro %}

{#- The text value of one top-level key of a JSON object column. -#}
{% macro default__json_text(column, key) -%}
    ({{ column }} ->> '{{ key }}')
{%- endmacro %}

{% macro spark__json_text(column, key) -%}
    get_json_object({{ column }}, '$.{{ key }}')
{%- endmacro %}
