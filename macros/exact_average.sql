{#- The mean of a fractional number, the same whatever order its rows are read in. DuckDB
    adds doubles in the order its threads meet the rows, so avg() of a double differs in its
    last digits from one run to the next: a rebuild with nothing new gave another warehouse
    (every one of the 35 stage-to-stage averages at 10M events), and the serving copy wrote
    those marts again. Summed as decimals instead, which add exactly (to 1e-10). -#}
{% macro exact_average(expression) -%}
    avg(cast({{ expression }} as decimal(38, 10)))
{%- endmacro %}
