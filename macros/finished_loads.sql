{#- Leaves out the rows of loads the raw loader has appended but not yet finished: a load
    stopped between its two transactions (orchestration/ingest/bulk.py) may have left
    records that failed a check, duplicates or conflicts there, which the loader's next
    run deletes before it loads those files again. The loader lists those loads in
    unfinished_loads, beside the event tables; a log written before it did so has no such
    table, and no such rows. -#}
{% macro finished_loads(event_log, load_id_column='_load_id') -%}
    {%- set unfinished = adapter.get_relation(
        database=event_log.database, schema=event_log.schema, identifier='unfinished_loads'
    ) if execute else none -%}
    {%- if unfinished is none -%}
        true
    {%- else -%}
        {{ load_id_column }} not in (select load_id from {{ unfinished }})
    {%- endif -%}
{%- endmacro %}
