{#- The materialization hint of a per-journey rollup's input CTE that several steps read:
    `not materialized` on a full build, so DuckDB reads the whole fact table again in each
    step instead of copying it; none on an incremental run, whose input is only the journeys
    int_journeys_scoped re-derives, which DuckDB keeps once for all the steps. -#}
{% macro inlined_on_full_build() -%}
    {%- if not is_incremental() %}not materialized{% endif -%}
{%- endmacro %}
