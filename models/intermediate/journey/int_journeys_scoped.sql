{#- Which journeys this run (re)derives. On a first or full build: every journey. On an
    incremental build: the journeys with events loaded since the last finished build, plus
    the journeys that lost events to them because a new event stitched two identities
    together, plus, after a build that replaced the journey facts and stopped before the
    models downstream, that build's journeys (union_scope_of_unfinished_build). Everything
    downstream of this model in the journey chain derives only these journeys, and the
    incremental marts replace only their rows, so a daily run costs what the day's new
    events cost. -#}
{%- set previous_facts = previous_journey_facts() -%}
{%- set full_build = previous_facts is none -%}
with

events as not materialized (
    select * from {{ ref('int_events_identified') }}
),

{% if full_build %}
scoped as (
    select distinct journey_key
    from events
),
{% else %}
journey_facts as (
    select * from {{ previous_facts }}
),

new_event_journeys as (
    select distinct events.journey_key
    from events
    where {{ loaded_this_run('events.loaded_at') }}
),

rederived_events as (
    {#- An event can only have changed journeys if it was derived again since the facts
        were built; the stamp lets DuckDB read only those row groups, instead of joining
        every event to every previous fact. (New events are not filtered so: one the
        previous runs loaded but never derived stays in scope, where
        assert_scoped_journeys_derived_this_run finds it.) #}
    select
        events.event_id,
        events.journey_key
    from events
    inner join new_event_journeys
        on events.journey_key = new_event_journeys.journey_key
    where {{ derived_this_run('events.derived_at') }}
),

journeys_that_lost_events as (
    select distinct journey_facts.journey_key
    from journey_facts
    inner join rederived_events
        on journey_facts.event_id = rederived_events.event_id
    where journey_facts.journey_key <> rederived_events.journey_key
),

scoped as (
    select journey_key from new_event_journeys
    union
    select journey_key from journeys_that_lost_events
    {{- union_scope_of_unfinished_build('journey_key') }}
),
{% endif %}

final as (
    select
        journey_key,
        {{ 'true' if full_build else 'false' }} as is_full_build
    from scoped
)

select * from final

-- depends_on: {{ ref('int_event_loads_scoped') }}
