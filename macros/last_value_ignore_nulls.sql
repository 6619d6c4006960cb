{% macro last_value_ignore_nulls(column, partition_by, order_by) -%}
    {{ return(adapter.dispatch('last_value_ignore_nulls', 'revenue_funnel')(column, partition_by, order_by)) }}
{%- endmacro %}

{#- The latest non-null value of a column up to the current row. -#}
{% macro default__last_value_ignore_nulls(column, partition_by, order_by) -%}
    last_value({{ column }} ignore nulls) over (
        partition by {{ partition_by }}
        order by {{ order_by }}
        rows between unbounded preceding and current row
    )
{%- endmacro %}

{#- PostgreSQL has no IGNORE NULLS: pick the value at the latest row where it is not null. -#}
{% macro postgres__last_value_ignore_nulls(column, partition_by, order_by) -%}
    (array_remove(array_agg({{ column }}) over (
        partition by {{ partition_by }}
        order by {{ order_by }}
        rows between unbounded preceding and current row
    ), null))[
        cardinality(array_remove(array_agg({{ column }}) over (
            partition by {{ partition_by }}
            order by {{ order_by }}
            rows between unbounded preceding and current row
        ), null))
    ]
{%- endmacro %}
