{#- The single value of one column of a one-row seed, read at compile time.
    Used where SQL needs a constant (a window frame length) that the agreement defines:
    the number still lives only in the seed. The seed is found through the graph, not
    ref(), so unit tests (which replace ref() with fixtures) read the agreed value too.
    Returns `default` while dbt only parses. -#}
{% macro seed_value(seed_name, column, default=0) -%}
    {%- if not execute -%}
        {{ return(default) }}
    {%- endif -%}
    {%- set values = _seed_column(seed_name, column) -%}
    {%- if values | length != 1 -%}
        {{ exceptions.raise_compiler_error(
            'seed ' ~ seed_name ~ ' must have exactly one row, found ' ~ (values | length)
        ) }}
    {%- endif -%}
    {{ return(values[0]) }}
{%- endmacro %}

{#- Every value of one column of a seed in ascending order, read at compile time, for SQL
    with one expression per seed row (one credit per attribution model): the rows still
    live only in the seed. Found through the graph like seed_value; an empty list while
    dbt only parses. -#}
{% macro seed_values(seed_name, column) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {{ return(_seed_column(seed_name, column)) }}
{%- endmacro %}

{#- The values of one column of a seed table, ordered by that column. -#}
{% macro _seed_column(seed_name, column) -%}
    {%- if graph.nodes is defined -%}
        {%- set seeds = graph.nodes.values()
            | selectattr('resource_type', 'equalto', 'seed')
            | selectattr('name', 'equalto', seed_name)
            | list -%}
        {%- if seeds | length != 1 -%}
            {{ exceptions.raise_compiler_error('no seed named ' ~ seed_name) }}
        {%- endif -%}
        {%- set relation = seeds[0].relation_name -%}
    {%- else -%}
        {#- Unit tests compile without the graph: seeds live in the definitions schema
            (dbt_project.yml, seeds: +schema). -#}
        {%- set relation = api.Relation.create(
            database=target.database, schema='definitions', identifier=seed_name
        ) -%}
    {%- endif -%}
    {%- set result = run_query(
        'select ' ~ column ~ ' from ' ~ relation ~ ' order by ' ~ column
    ) -%}
    {{ return(result.columns[0].values() | list) }}
{%- endmacro %}
