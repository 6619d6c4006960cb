{#- Journeys still in a stage longer than the stage's SLA allows, as of the latest event in
    the warehouse. The SLA clock starts when the journey entered the stage, or, for SLAs
    with a clock-starting event (the handoff), at the latest such event in the stage.
    A table on purpose: every row is measured against the latest event in the warehouse
    ("now"), so on each run any open journey can become stalled or stay stalled longer
    although none of its own events changed; there are no fixed rows to keep. -#}
with

journey_events as not materialized (
    select * from {{ ref('fct_customer_journey') }}
),

slas as (
    select * from {{ ref('stage_slas') }}
),

as_of as (
    select max(occurred_at) as as_of_at from journey_events
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

clock_events as (
    select
        current_stages.journey_key,
        max(journey_events.occurred_at) as clock_event_at
    from current_stages
    inner join slas
        on current_stages.stage_key = slas.from_stage
    inner join journey_events
        on
            current_stages.journey_key = journey_events.journey_key
            and slas.clock_starts_event_type = journey_events.event_type
            and current_stages.stage_entered_at <= journey_events.occurred_at
    group by current_stages.journey_key
),

clocks as (
    select
        current_stages.journey_key,
        current_stages.stage_key,
        current_stages.stage_entered_at,
        slas.sla_key,
        slas.sla_hours,
        case
            when slas.clock_starts_event_type is null then current_stages.stage_entered_at
            else clock_events.clock_event_at
        end as clock_started_at
    from current_stages
    inner join slas
        on current_stages.stage_key = slas.from_stage
    left join clock_events
        on current_stages.journey_key = clock_events.journey_key
),

measured as (
    select
        clocks.*,
        as_of.as_of_at,
        {{ hours_between('clocks.clock_started_at', 'as_of.as_of_at') }} as hours_on_clock
    from clocks
    cross join as_of
    where clocks.clock_started_at is not null
),

final as (
    select
        cast(measured.journey_key as varchar) as journey_key,
        cast(measured.stage_key as varchar) as stage_key,
        cast(measured.sla_key as varchar) as sla_key,
        cast(owners.owner_id as varchar) as owner_id,
        cast(measured.stage_entered_at as timestamp) as stage_entered_at,
        cast(measured.clock_started_at as timestamp) as clock_started_at,
        cast(measured.as_of_at as timestamp) as as_of_at,
        cast(measured.sla_hours as integer) as sla_hours,
        cast(measured.hours_on_clock as double) as hours_on_clock,
        cast(measured.hours_on_clock - measured.sla_hours as double) as hours_over_sla
    from measured
    left join owners
        on measured.journey_key = owners.journey_key
    where measured.hours_on_clock > measured.sla_hours
)

select * from final
