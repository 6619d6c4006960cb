{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_scoped_journeys() }}",
    )
}}
{#- Each journey's stage spells: from an event that changed the journey's stage to the event
    of its next change. daily_funnel_snapshot counts the journeys in each stage per day from
    them, and stage_velocity the journeys in each stage now (the open spells), instead of
    each sorting all journey events again on every run.

    Incremental like the journey facts: a spell depends on its own journey's events alone,
    so the journeys int_journeys_scoped re-derives this run are deleted (pre-hook) and
    derived again in full, and the result equals a full refresh. -#}
with

all_journey_events as (
    select * from {{ ref('fct_customer_journey') }}
),

stage_changes as (
    select
        all_journey_events.event_id,
        all_journey_events.journey_key,
        all_journey_events.event_sequence_number,
        all_journey_events.stage_key,
        all_journey_events.occurred_at
    from all_journey_events
    {{ join_scoped_journeys('all_journey_events.journey_key', 'all_journey_events.derived_at') }}
    where
        all_journey_events.stage_key is not null
        and (
            all_journey_events.previous_stage_key is null
            or all_journey_events.stage_key <> all_journey_events.previous_stage_key
        )
),

spells as (
    select
        event_id,
        journey_key,
        stage_key,
        occurred_at,
        lead(occurred_at) over journey_order as next_change_occurred_at
    from stage_changes
    window journey_order as (partition by journey_key order by event_sequence_number)
),

final as (
    select
        cast(event_id as varchar) as started_by_event_id,
        cast(journey_key as varchar) as journey_key,
        cast(stage_key as varchar) as stage_key,
        cast(occurred_at as date) as spell_start_date,
        cast(next_change_occurred_at as date) as spell_end_date
    from spells
)

select * from final

-- depends_on: {{ ref('int_journeys_scoped') }}
