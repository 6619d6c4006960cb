{#- The journey fact table as the previous build left it, or none when this run derives
    every journey: a full refresh, or a first build (a journey fact table is missing).
    Read by the models that scope an incremental run (int_event_loads_scoped,
    int_journeys_scoped) before the facts are rebuilt. -#}
{% macro previous_journey_facts() -%}
    {%- if not execute or flags.FULL_REFRESH -%}{{ return(none) }}{%- endif -%}
    {%- set existing = [] -%}
    {%- for name in ['fct_customer_journey', 'fct_journey_stage_entries'] -%}
        {%- set node = graph.nodes['model.' ~ project_name ~ '.' ~ name] -%}
        {%- set relation = adapter.get_relation(node.database, node.schema, node.alias) -%}
        {%- if relation is none -%}{{ return(none) }}{%- endif -%}
        {%- do existing.append(relation) -%}
    {%- endfor -%}
    {{ return(existing[0]) }}
{%- endmacro %}
