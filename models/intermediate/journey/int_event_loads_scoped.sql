{#- The load time after which events are new to this run and the derivation stamp after
    which rows of the journey tables were written since the last finished build: the
    latest row of int_journey_builds_completed (null on a first or full build, when every
    event is new). A warehouse with journey facts but no finished build recorded (built
    before int_journey_builds_completed existed, or only ever built in part) takes both
    from the facts. Built before staging (the staging models depend on it), so the data
    tests of the event log can check only the events loaded since (loaded_this_run); the
    journey chain reads only the rows derived since (derived_this_run).

    is_after_unfinished_build: the journey facts hold rows derived after the last finished
    build, so a build since replaced them and stopped before the models downstream; the
    scope tables then keep that build's journeys in scope (union_scope_of_unfinished_build).
    If that build was a full refresh, its scope does not name the journeys it removed, so
    only another full refresh is exact; likewise if the seeds differ from those of the last
    finished build (assert_no_full_refresh_needed stops the build). -#}
{%- set previous_facts = previous_journey_facts() %}
{%- set builds_completed = existing_relation('int_journey_builds_completed') %}
{%- set previous_scope = existing_relation('int_journeys_scoped') %}
with

{% if previous_facts is none -%}
scope as (
    select
        cast(null as timestamp) as loaded_after,
        cast(null as timestamp) as derived_after,
        cast(null as varchar) as seed_checksums_of_last_build,
        true as is_full_build,
        false as is_after_unfinished_build,
        false as is_after_unfinished_full_build
),
{%- else -%}
journey_facts as (
    select * from {{ previous_facts }}
),

facts_watermarks as (
    select
        max(loaded_at) as last_loaded_at,
        max(derived_at) as last_derived_at
    from journey_facts
),

last_finished_build as (
    {% if builds_completed is none -%}
    select
        cast(null as timestamp) as build_started_at,
        cast(null as timestamp) as last_loaded_at,
        cast(null as varchar) as seed_checksums
    where false
    {%- else -%}
    select
        build_started_at,
        last_loaded_at,
        seed_checksums
    from {{ builds_completed }}
    order by build_started_at desc
    limit 1
    {%- endif %}
),

previous_scope as (
    {% if previous_scope is none -%}
    select false as was_full_build
    {%- else -%}
    select coalesce(bool_or(is_full_build), false) as was_full_build
    from {{ previous_scope }}
    {%- endif %}
),

watermarks as (
    select
        last_finished_build.seed_checksums as seed_checksums_of_last_build,
        coalesce(last_finished_build.last_loaded_at, facts_watermarks.last_loaded_at)
            as loaded_after,
        coalesce(last_finished_build.build_started_at, facts_watermarks.last_derived_at)
            as derived_after,
        coalesce(facts_watermarks.last_derived_at > last_finished_build.build_started_at, false)
            as is_after_unfinished_build
    from facts_watermarks
    left join last_finished_build on true
),

scope as (
    select
        watermarks.loaded_after,
        watermarks.derived_after,
        watermarks.seed_checksums_of_last_build,
        false as is_full_build,
        watermarks.is_after_unfinished_build,
        watermarks.is_after_unfinished_build and previous_scope.was_full_build
            as is_after_unfinished_full_build
    from watermarks
    cross join previous_scope
),
{%- endif %}

final as (
    select
        cast(loaded_after as timestamp) as loaded_after,
        cast(derived_after as timestamp) as derived_after,
        cast(seed_checksums_of_last_build as varchar) as seed_checksums_of_last_build,
        cast(is_full_build as boolean) as is_full_build,
        cast(is_after_unfinished_build as boolean) as is_after_unfinished_build,
        cast(is_after_unfinished_full_build as boolean) as is_after_unfinished_full_build
    from scope
)

select * from final
