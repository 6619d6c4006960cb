{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_scoped_journeys() }}",
    )
}}
{#- Each journey whose current stage has an SLA whose clock has started: the stage, the
    SLA, the latest owner named on the journey and when the clock started (the stage entry,
    or, for SLAs with a clock-starting event such as the handoff, the latest such event in
    the stage). stalled_journeys measures these clocks against the end of the data.

    Incremental by journey: every column depends only on the journey's own events, so a run
    deletes and derives again the journeys int_journeys_scoped re-derives (pre-hook); what
    moves without an event of its own (the time on the clock) is left to stalled_journeys. -#}
with

all_journey_events as not materialized (
    select * from {{ ref('fct_customer_journey') }}
),

journey_events as {{ inlined_on_full_build() }} (
    {#- The events of this run's journeys, read by three steps below: kept once, with only
        the columns they read. -#}
    select
        all_journey_events.journey_key,
        all_journey_events.event_sequence_number,
        all_journey_events.event_type,
        all_journey_events.occurred_at,
        all_journey_events.stage_key,
        all_journey_events.stage_entered_at,
        all_journey_events.owner_id
    from all_journey_events
    {{ join_scoped_journeys('all_journey_events.journey_key', 'all_journey_events.derived_at') }}
),

slas as (
    select * from {{ ref('stage_slas') }}
),

current_stages as (
    {#- The stage after the journey's latest staged event. event_sequence_number is unique
        within a journey, so the row of its maximum is that event (a grouped aggregate,
        not a window sorting every event). -#}
    select
        journey_key,
        arg_max(stage_key, event_sequence_number) as stage_key,
        arg_max_null(stage_entered_at, event_sequence_number) as stage_entered_at
    from journey_events
    where stage_key is not null
    group by journey_key
),

owners as (
    {#- The owner on the journey's latest event that names one. -#}
    select
        journey_key,
        arg_max(owner_id, event_sequence_number) as owner_id
    from journey_events
    where owner_id is not null
    group by journey_key
),

current_slas as (
    {#- The SLA of each journey's current stage, read by both steps below. -#}
    select
        current_stages.journey_key,
        current_stages.stage_key,
        current_stages.stage_entered_at,
        slas.sla_key,
        slas.sla_hours,
        slas.clock_starts_event_type
    from current_stages
    inner join slas
        on current_stages.stage_key = slas.from_stage
),

clock_events as (
    select
        current_slas.journey_key,
        max(journey_events.occurred_at) as clock_event_at
    from current_slas
    inner join journey_events
        on
            current_slas.journey_key = journey_events.journey_key
            and current_slas.clock_starts_event_type = journey_events.event_type
            and current_slas.stage_entered_at <= journey_events.occurred_at
    group by current_slas.journey_key
),

clocks as (
    select
        current_slas.journey_key,
        current_slas.stage_key,
        current_slas.stage_entered_at,
        current_slas.sla_key,
        current_slas.sla_hours,
        case
            when current_slas.clock_starts_event_type is null then current_slas.stage_entered_at
            else clock_events.clock_event_at
        end as clock_started_at
    from current_slas
    left join clock_events
        on current_slas.journey_key = clock_events.journey_key
),

final as (
    select
        cast(clocks.journey_key as varchar) as journey_key,
        cast(clocks.stage_key as varchar) as stage_key,
        cast(clocks.sla_key as varchar) as sla_key,
        cast(owners.owner_id as varchar) as owner_id,
        cast(clocks.stage_entered_at as timestamp) as stage_entered_at,
        cast(clocks.clock_started_at as timestamp) as clock_started_at,
        cast(clocks.sla_hours as integer) as sla_hours
    from clocks
    left join owners
        on clocks.journey_key = owners.journey_key
    where clocks.clock_started_at is not null
)

select * from final

-- depends_on: {{ ref('int_journeys_scoped') }}
