{#- Elapsed time between two timestamps in days or hours, as a fractional number: the
    portable dbt.datediff in seconds, divided by the length of the unit. -#}
{% macro days_between(start_column, end_column) -%}
    ({{ dbt.datediff(start_column, end_column, 'second') }} / 86400.0)
{%- endmacro %}

{% macro hours_between(start_column, end_column) -%}
    ({{ dbt.datediff(start_column, end_column, 'second') }} / 3600.0)
{%- endmacro %}
