{#- A model's table or view as it is in the warehouse, looked up rather than ref'd (by a
    model or test that reads what another model left, where a ref would make a cycle or a
    dependency dbt must not wait for), or none when it does not exist, while parsing, and
    in a unit test, which compiles its model without the project graph. -#}
{% macro existing_relation(model_name) -%}
    {%- if not execute or 'nodes' not in graph -%}{{ return(none) }}{%- endif -%}
    {%- set node = graph.nodes['model.' ~ project_name ~ '.' ~ model_name] -%}
    {{ return(adapter.get_relation(node.database, node.schema, node.alias)) }}
{%- endmacro %}
