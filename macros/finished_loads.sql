{#- Leaves out the rows of loads the raw loader has appended but not yet finished: a load
    stopped between its two transactions (orchestration/ingest/bulk.py) may have left
    records that failed a check, duplicates or conflicts there, which the loader's next
    run deletes before it loads those files again. -#}
{% macro finished_loads(load_id_column='_load_id') -%}
    {{ load_id_column }} not in (select load_id from {{ source('ingest', 'unfinished_loads') }})
{%- endmacro %}
