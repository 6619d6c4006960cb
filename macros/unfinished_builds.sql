{#- The rows a scope table (int_journeys_scoped, int_accounts_scoped) held before this run,
    added to its new rows when the build that wrote them did not finish
    (int_event_loads_scoped.is_after_unfinished_build): that build replaced the journey
    facts but not every model downstream, which would otherwise keep its old rows of those
    journeys. `column` is the scope's key column. Nothing on a full or first build. The
    calling model declares its dependency on int_event_loads_scoped (depends_on): dbt
    does not see a ref in a branch taken only at run time. -#}
{% macro union_scope_of_unfinished_build(column) -%}
    {%- if execute and not flags.FULL_REFRESH -%}
        {%- set previous = load_relation(this) -%}
        {%- if previous is not none %}
    union
    select previous.{{ column }}
    from {{ previous }} as previous
    where (
        select loads.is_after_unfinished_build from {{ ref('int_event_loads_scoped') }} as loads
    )
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- The shared definitions the journey is derived by, as text: every seed upstream of
    int_journey_builds_completed (so of some incremental model) with the checksum of its
    file, by name ("name:sha256,..."). int_journey_builds_completed records it; a build
    whose seeds differ from the last finished build's must derive every journey again
    (assert_no_full_refresh_needed). Empty while parsing. -#}
{% macro seed_checksums() -%}
    {%- if not execute or 'nodes' not in graph -%}{{ return('') }}{%- endif -%}
    {%- set upstream = {} -%}
    {%- do _collect_upstream('model.' ~ project_name ~ '.int_journey_builds_completed', upstream) -%}
    {%- set seeds = [] -%}
    {%- for unique_id in upstream if unique_id.startswith('seed.' ~ project_name ~ '.') -%}
        {%- set node = graph.nodes[unique_id] -%}
        {%- do seeds.append(node.name ~ ':' ~ node.checksum.checksum) -%}
    {%- endfor -%}
    {{ return(seeds | sort | join(',')) }}
{%- endmacro %}

{#- Adds every node upstream of `unique_id` to `found` (a dict used as a set). -#}
{% macro _collect_upstream(unique_id, found) -%}
    {%- for parent in graph.nodes[unique_id].depends_on.nodes -%}
        {%- if parent in graph.nodes and parent not in found -%}
            {%- do found.update({parent: true}) -%}
            {%- do _collect_upstream(parent, found) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endmacro %}
