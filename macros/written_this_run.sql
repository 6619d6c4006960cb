{#- Scope of a data test on an incremental journey mart: a SQL predicate on the tested
    rows, `true` on a full build (int_journeys_scoped marks it) and while dbt only parses.

    rows_written_this_run(): the rows of the journeys int_journeys_scoped re-derived this
    run, i.e. the rows this run wrote. For tests whose verdict on a row depends on that row
    alone (not_null, accepted values, relationships to a parent that the same run keeps
    whole) and for singular tests grouped by journey (credits per conversion, stage order).

    keys_written_this_run(key_column): every row, old or new, whose key occurs among the
    rows this run wrote. For uniqueness tests: a new row duplicating an old row of a journey
    outside the scope is still found, because the old row shares the key and is counted too.
    Composite keys give their leading column (stage_entry_id for conversion_touches).

    derived_at_column: on a table that stamps the rows it writes (fct_customer_journey),
    both also require derived_this_run, which every row this run wrote meets; DuckDB then
    skips the table's older row groups instead of reading all of its journey keys.

    The tested relation is `relation` when given (singular tests), otherwise the model the
    generic test is attached to. Generic tests call these through their `where` config,
    escaped so that dbt renders it when the test runs (see get_where_subquery):
    where: "{% raw %}{{ keys_written_this_run('event_id') }}{% endraw %}" -#}
{% macro rows_written_this_run(journey_column='journey_key', derived_at_column=none) -%}
    {%- set scoped = _journeys_scoped_this_run() -%}
    {%- if scoped is none -%}
        true
    {%- else -%}
        {{ _rows_of_scoped_journeys(journey_column, derived_at_column, scoped) }}
    {%- endif -%}
{%- endmacro %}

{% macro keys_written_this_run(
    key_column, relation=none, journey_column='journey_key', derived_at_column=none
) -%}
    {%- set scoped = _journeys_scoped_this_run() -%}
    {%- if scoped is none -%}
        true
    {%- else -%}
        {{ _keys_of_rows(
            key_column,
            relation,
            _rows_of_scoped_journeys(journey_column, derived_at_column, scoped)
        ) }}
    {%- endif -%}
{%- endmacro %}

{#- The rows of the journeys in `scoped`, as a SQL predicate. A table that stamps its rows
    (derived_at_column) adds derived_this_run, which holds for every such row and lets the
    scan skip the older row groups. -#}
{% macro _rows_of_scoped_journeys(journey_column, derived_at_column, scoped) -%}
    {{ journey_column }} in (select scoped.journey_key from {{ scoped }} as scoped)
    {%- if derived_at_column is not none %}
    and {{ derived_this_run(derived_at_column) }}
    {%- endif -%}
{%- endmacro %}

{#- Every row, old or new, whose key occurs among the rows of the tested relation (`relation`,
    or the model a generic test is attached to) that match `predicate` (SQL on those rows'
    own columns). Shared by keys_written_this_run and keys_loaded_this_run. -#}
{% macro _keys_of_rows(key_column, relation, predicate) -%}
    {%- set tested = relation if relation is not none else _tested_relation() -%}
    {{ key_column }} in (
        select matching.{{ key_column }}
        from {{ tested }} as matching
        where {{ predicate }}
    )
{%- endmacro %}

{#- int_journeys_scoped when this run is incremental, none on a full build (every journey
    in scope, so there is nothing to restrict) or while parsing. -#}
{% macro _journeys_scoped_this_run() -%}
    {%- set relation = existing_relation('int_journeys_scoped') -%}
    {%- if relation is none -%}{{ return(none) }}{%- endif -%}
    {%- set result = run_query(
        'select coalesce(bool_or(is_full_build), false) from ' ~ relation
    ) -%}
    {%- if result.columns[0].values()[0] -%}{{ return(none) }}{%- endif -%}
    {{ return(relation) }}
{%- endmacro %}

{#- The relation of the model a generic test is attached to. -#}
{% macro _tested_relation() -%}
    {%- set node = graph.nodes[model.attached_node] -%}
    {{ return(api.Relation.create(
        database=node.database, schema=node.schema, identifier=node.alias
    )) }}
{%- endmacro %}

{#- Scope of a data test on the event log (raw sources, staging, the event models): the
    rows loaded since the last finished build, i.e. the events new to this run
    (int_event_loads_scoped); `true` on a full or first build and while parsing.

    loaded_this_run(loaded_at_column): the new rows themselves. For tests whose verdict on
    a row depends on that row alone (not_null, relationships to a seed, range checks).

    keys_loaded_this_run(key_column): every row, old or new, whose key occurs among the new
    rows. For uniqueness (a new event repeating an old event_id is found, the old row is
    counted too) and for tests grouped by a key (an opportunity with a new event is
    checked with all of its events). The tested relation is `relation` when given
    (singular tests), otherwise the model the generic test is attached to.

    The log is append-only and a run that fails a test on it does not rebuild the journey
    facts, so the watermark stays: events are checked by the build that first sees them,
    and again by every later build until one passes. -#}
{% macro loaded_this_run(loaded_at_column='loaded_at') -%}
    {%- set loaded_after = event_loads_watermark() -%}
    {%- if loaded_after is none -%}
        true
    {%- else -%}
        {{ loaded_at_column }} > {{ loaded_after }}
    {%- endif -%}
{%- endmacro %}

{% macro keys_loaded_this_run(key_column, relation=none, loaded_at_column='loaded_at') -%}
    {%- set loaded_after = event_loads_watermark() -%}
    {%- if loaded_after is none -%}
        true
    {%- else -%}
        {{ _keys_of_rows(key_column, relation, loaded_at_column ~ ' > ' ~ loaded_after) }}
    {%- endif -%}
{%- endmacro %}

{#- One of this run's watermarks in int_event_loads_scoped (loaded_after by default, or
    derived_after) as a SQL timestamp literal, or none when everything is new to this run (a
    full or first build), while parsing, or before the model exists. A literal rather than a
    subquery, so DuckDB skips the row groups written before it (the log is appended in load
    order, the journey tables in run order). -#}
{% macro event_loads_watermark(column='loaded_after') -%}
    {%- set relation = existing_relation('int_event_loads_scoped') -%}
    {%- if relation is none -%}{{ return(none) }}{%- endif -%}
    {%- set result = run_query(
        "select strftime(max(" ~ column ~ "), '%Y-%m-%d %H:%M:%S.%f') from "
        ~ relation ~ " having not bool_or(is_full_build)"
    ) -%}
    {%- if result.rows | length == 0 or result.columns[0].values()[0] is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return("cast('" ~ result.columns[0].values()[0] ~ "' as timestamp)") }}
{%- endmacro %}

{#- The start of this dbt invocation as a timestamp literal. The journey chain's large
    incremental tables (int_events_identified, fct_customer_journey) store it in
    `derived_at` on every row they write, so the rows one run wrote sit together at the end
    of the table and share the newest stamp. -#}
{% macro run_stamp() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}

{#- Rows written since the last finished build, as a SQL predicate on a
    `derived_at` column (int_event_loads_scoped.derived_after as a literal, so DuckDB skips
    every older row group by its min/max instead of reading the whole table); `true` on a
    full or first build and while parsing. Every row of a journey the run re-derives was
    written this run, so a reader restricted to int_journeys_scoped may add this predicate
    without losing a row: it only spares the scan the rest of the table
    (assert_scoped_journeys_derived_this_run checks that on every incremental run). -#}
{% macro derived_this_run(derived_at_column='derived_at') -%}
    {%- set derived_after = event_loads_watermark('derived_after') -%}
    {%- if derived_after is none -%}
        true
    {%- else -%}
        {{ derived_at_column }} > {{ derived_after }}
    {%- endif -%}
{%- endmacro %}
