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

{#- The shared definitions this build reads, as text: every seed of the project with the
    checksum of its file, by name ("name:sha256,..."). int_journey_builds_completed records
    it; a build whose seeds differ from the last finished build's must derive every journey
    again (assert_definitions_unchanged_since_last_build; the Dagster job adds
    --full-refresh by the same text, orchestration/assets/dbt.py). Empty while parsing. -#}
{% macro seed_checksums() -%}
    {%- if not execute or 'nodes' not in graph -%}{{ return('') }}{%- endif -%}
    {%- set seeds = [] -%}
    {%- for node in graph.nodes.values() | sort(attribute='name') -%}
        {%- if node.resource_type == 'seed' and node.package_name == project_name -%}
            {%- do seeds.append(node.name ~ ':' ~ node.checksum.checksum) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(seeds | join(',')) }}
{%- endmacro %}
