{#- Every journey event with the journey state after it: the stage it is in, whether the
    event entered that stage, the stage before, and when the current and next stages were
    entered. -#}
with

events as (
    select * from {{ ref('int_journey_events_scored') }}
),

entries as (
    select * from {{ ref('int_stage_entries_derived') }}
),

stages as (
    select * from {{ ref('funnel_stages') }}
),

event_entries as (
    select
        event_id,
        max(stage_order) as entered_stage_order
    from entries
    group by event_id
),

stage_roles as (
    select * from {{ ref('int_stage_roles') }}
),

funnel_start as (
    select stages.owning_team
    from stages
    inner join stage_roles
        on stages.stage_key = stage_roles.stage_key
    where stage_roles.is_first_stage
),

first_entries as (
    select
        journey_key,
        stage_key,
        row_number() over (
            partition by journey_key order by event_sequence_number, stage_order
        ) as entry_number
    from entries
),

journey_sources as (
    {#- A journey is sales-sourced when the first stage it entered is not owned by the team
        that owns the funnel's first stage: it came in through sales, not marketing. -#}
    select
        first_entries.journey_key,
        first_stage.owning_team <> funnel_start.owning_team as is_sales_sourced
    from first_entries
    inner join stages as first_stage
        on first_entries.stage_key = first_stage.stage_key
    cross join funnel_start
    where first_entries.entry_number = 1
),

with_entries as (
    select
        events.*,
        event_entries.entered_stage_order is not null as is_stage_entry,
        max(event_entries.entered_stage_order) over (
            partition by events.journey_key, events.journey_cycle
            order by events.event_sequence_number
            rows between unbounded preceding and current row
        ) as stage_order
    from events
    left join event_entries
        on events.event_id = event_entries.event_id
),

staged as (
    select
        with_entries.*,
        stages.stage_key,
        lag(stages.stage_key) over (
            partition by with_entries.journey_key order by with_entries.event_sequence_number
        ) as previous_stage_key,
        max(case when with_entries.is_stage_entry then with_entries.occurred_at end) over (
            partition by with_entries.journey_key
            order by with_entries.event_sequence_number
            rows between unbounded preceding and current row
        ) as stage_entered_at,
        min(case when with_entries.is_stage_entry then with_entries.occurred_at end) over (
            partition by with_entries.journey_key
            order by with_entries.event_sequence_number
            rows between 1 following and unbounded following
        ) as next_stage_entered_at,
        row_number() over (
            partition by with_entries.journey_key, with_entries.event_type
            order by with_entries.event_sequence_number
        ) as event_occurrence_number,
        {{ last_value_ignore_nulls('with_entries.opportunity_id', 'with_entries.journey_key',
            'with_entries.event_sequence_number') }} as current_opportunity_id
    from with_entries
    left join stages
        on with_entries.stage_order = stages.stage_order
),

final as (
    select
        staged.*,
        sum(case when staged.is_stage_entry then 1 else 0 end) over (
            partition by staged.journey_key, staged.stage_key
            order by staged.event_sequence_number
            rows between unbounded preceding and current row
        ) as stage_occurrence_number,
        coalesce(journey_sources.is_sales_sourced, false) as is_sales_sourced
    from staged
    left join journey_sources
        on staged.journey_key = journey_sources.journey_key
)

select * from final
