{#- The load time after which events are new to this run and the derivation stamp after
    which rows of the journey tables were written since the last build that finished: the
    latest row of int_journey_builds_completed (null on a first or full build, when every
    event is new). A warehouse with journey facts but no finished build recorded (built
    before int_journey_builds_completed existed, or only ever built in part) takes both
    from the facts. Built before staging (the staging models depend on it), so the data
    tests of the event log can check only the events loaded since (loaded_this_run); the
    journey chain reads only the rows derived since (derived_this_run).

    follows_unfinished_build: the journey facts hold rows derived after the last finished
    build, so a build since replaced them and stopped before the models downstream; the
    scope tables then keep that build's journeys in scope (union_scope_of_unfinished_build).
    seed_checksums_of_last_build: the seeds the last finished build read, which
    assert_definitions_unchanged_since_last_build compares with this build's. -#}
{%- set previous_facts = previous_journey_facts() %}
{%- set builds_completed = journey_builds_completed() if previous_facts is not none %}
with

{% if previous_facts is none -%}
scope as (
    select
        true as is_full_build,
        cast(null as timestamp) as loaded_after,
        cast(null as timestamp) as derived_after,
        false as follows_unfinished_build,
        cast(null as varchar) as seed_checksums_of_last_build
),
{%- else -%}
journey_facts as (
    select * from {{ previous_facts }}
),

facts_watermarks as (
    select
        max(loaded_at) as loaded_through,
        max(derived_at) as derived_through
    from journey_facts
),

{% if builds_completed is none -%}
scope as (
    select
        false as is_full_build,
        loaded_through as loaded_after,
        derived_through as derived_after,
        false as follows_unfinished_build,
        cast(null as varchar) as seed_checksums_of_last_build
    from facts_watermarks
),
{%- else -%}
builds_completed as (
    select * from {{ builds_completed }}
),

last_completed as (
    select
        loaded_through,
        completed_run_at,
        seed_checksums
    from builds_completed
    order by completed_run_at desc
    limit 1
),

scope as (
    select
        last_completed.loaded_through as loaded_after,
        last_completed.completed_run_at as derived_after,
        last_completed.seed_checksums as seed_checksums_of_last_build,
        false as is_full_build,
        facts_watermarks.derived_through > last_completed.completed_run_at
            as follows_unfinished_build
    from last_completed
    cross join facts_watermarks
),
{%- endif %}
{%- endif %}

final as (
    select
        cast(loaded_after as timestamp) as loaded_after,
        cast(derived_after as timestamp) as derived_after,
        cast(is_full_build as boolean) as is_full_build,
        cast(follows_unfinished_build as boolean) as follows_unfinished_build,
        cast(seed_checksums_of_last_build as varchar) as seed_checksums_of_last_build
    from scope
)

select * from final
