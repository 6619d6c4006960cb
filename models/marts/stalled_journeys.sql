{#- Journeys still in a stage longer than the stage's SLA allows, as of the latest event in
    the warehouse. The SLA clock starts when the journey entered the stage, or, for SLAs
    with a clock-starting event (the handoff), at the latest such event in the stage.
    A table measured again on every run: each journey's current clock comes from
    int_journeys_clocked (incremental by journey), but every clock is measured against the
    latest event in the warehouse ("now"), so any open journey can become stalled, or stay
    stalled longer, although none of its own events changed. -#}
with

clocks as (
    select * from {{ ref('int_journeys_clocked') }}
),

data_end as (
    {{ data_end() }}
),

measured as (
    select
        clocks.*,
        data_end.data_as_of as as_of_at,
        {{ hours_between('clocks.clock_started_at', 'data_end.data_as_of') }} as hours_on_clock
    from clocks
    cross join data_end
),

final as (
    select
        cast(journey_key as varchar) as journey_key,
        cast(stage_key as varchar) as stage_key,
        cast(sla_key as varchar) as sla_key,
        cast(owner_id as varchar) as owner_id,
        cast(stage_entered_at as timestamp) as stage_entered_at,
        cast(clock_started_at as timestamp) as clock_started_at,
        cast(as_of_at as timestamp) as as_of_at,
        cast(sla_hours as integer) as sla_hours,
        cast(hours_on_clock as double) as hours_on_clock,
        cast(hours_on_clock - sla_hours as double) as hours_over_sla
    from measured
    where hours_on_clock > sla_hours
)

select * from final
