{#- The end of the data: the latest event of fct_customer_journey, the instant a running SLA
    clock is measured to. One row, one column (data_as_of), as a select for a CTE or a
    subquery, so the SLA clocks, their post-hook and stalled_journeys share one definition. -#}
{% macro data_end() -%}
    select max(occurred_at) as data_as_of
    from {{ ref('fct_customer_journey') }}
{%- endmacro %}
