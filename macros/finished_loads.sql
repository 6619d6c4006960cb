{#- Leaves out the rows of loads the raw loader has appended but not yet finished: a load
    stopped between its two transactions (orchestration/ingest/bulk.py) may have left
    records that failed a check, duplicates or conflicts there, which the loader's next
    run deletes before it loads those files again. A log written before the loader kept
    unfinished loads has no such table, and no such rows. -#}
{% macro finished_loads(load_id_column='_load_id') -%}
    {%- set unfinished = source('ingest', 'unfinished_loads') -%}
    {%- if execute and load_relation(unfinished) is none -%}
        true
    {%- else -%}
        {{ load_id_column }} not in (select load_id from {{ unfinished }})
    {%- endif -%}
{%- endmacro %}
