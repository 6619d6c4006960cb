{#- int_journey_builds_completed, or none before a build has completed with it (a first
    build, or a warehouse built before it existed) and on a full refresh. Read by
    int_event_loads_scoped, which sits upstream of it, so it is looked up, not ref'd. -#}
{% macro journey_builds_completed() -%}
    {%- if not execute or flags.FULL_REFRESH or 'nodes' not in graph -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set node = graph.nodes['model.' ~ project_name ~ '.int_journey_builds_completed'] -%}
    {{ return(adapter.get_relation(node.database, node.schema, node.alias)) }}
{%- endmacro %}

{#- The rows a scope table (int_journeys_scoped, int_accounts_scoped) held before this run,
    added to its new rows when the build that wrote them did not finish
    (int_event_loads_scoped.follows_unfinished_build): that build replaced the journey facts
    but not every model downstream, which would otherwise keep its old rows of those
    journeys. `column` is the scope's key column. Nothing on a full or first build. The
    calling model declares its dependency on int_event_loads_scoped (depends_on): dbt
    does not see a ref in a branch taken only at run time. -#}
{% macro union_scope_of_unfinished_build(column) -%}
    {%- if execute and not flags.FULL_REFRESH -%}
        {%- set previous = adapter.get_relation(this.database, this.schema, this.identifier) -%}
        {%- if previous is not none %}
    union
    select previous.{{ column }}
    from {{ previous }} as previous
    where (select loads.follows_unfinished_build from {{ ref('int_event_loads_scoped') }} as loads)
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
