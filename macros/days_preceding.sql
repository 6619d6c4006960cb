{#- A window frame start of `days` days before the current row's timestamp. -#}
{% macro days_preceding(days) -%}
    {{ return(adapter.dispatch('days_preceding', 'revenue_funnel')(days)) }}
{%- endmacro %}

{% macro default__days_preceding(days) -%}
    interval '{{ days }} days' preceding
{%- endmacro %}

{% macro spark__days_preceding(days) -%}
    interval {{ days }} days preceding
{%- endmacro %}
