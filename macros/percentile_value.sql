{#- The `fraction` percentile (0.5 = median, 0.9 = p90) of a column, interpolated, as an
    aggregate. DuckDB and Spark have their own functions; the default is the SQL standard
    ordered-set aggregate (PostgreSQL). -#}
{% macro percentile_value(column, fraction) -%}
    {{ return(adapter.dispatch('percentile_value', 'revenue_funnel')(column, fraction)) }}
{%- endmacro %}

{% macro default__percentile_value(column, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ column }})
{%- endmacro %}

{% macro duckdb__percentile_value(column, fraction) -%}
    quantile_cont({{ column }}, {{ fraction }})
{%- endmacro %}

{% macro spark__percentile_value(column, fraction) -%}
    percentile({{ column }}, {{ fraction }})
{%- endmacro %}
