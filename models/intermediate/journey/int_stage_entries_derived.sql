{#- Which stages each journey entered, when, and through which event.
    Every event proposes the stages it can move a journey into (from the event catalog,
    the rejection reason, the person's first identification or the lead rule). Within a journey cycle a
    proposal becomes an entry only if its stage comes later in stage order than every stage
    proposed by earlier events of the cycle: journeys never move backwards, and skipped
    stages are simply never entered. The events come scored from int_journey_events_staged,
    whose stage after each event is the furthest stage proposed so far in its cycle, i.e.
    the furthest stage entered here. -#}
with

events as not materialized (
    select * from {{ ref('int_journey_events_staged') }}
),

stages as (
    select * from {{ ref('funnel_stages') }}
),

identification_stage as (
    select stage_key
    from stages
    where entry_trigger = 'identification'
),

lead_rule_stage as (
    select stage_key
    from stages
    where entry_trigger = 'lead_rule'
),

proposals as (
    select
        event_id,
        enters_stage as stage_key
    from events
    where enters_stage is not null
    union all
    select
        event_id,
        reason_exit_stage as stage_key
    from events
    where reason_exit_stage is not null
    union all
    select
        events.event_id,
        identification_stage.stage_key
    from events
    cross join identification_stage
    where events.is_first_identification
    union all
    select
        events.event_id,
        lead_rule_stage.stage_key
    from events
    cross join lead_rule_stage
    where events.is_mql_moment
),

proposed_stages as (
    select
        events.journey_key,
        events.journey_cycle,
        events.event_sequence_number,
        events.event_id,
        events.occurred_at,
        proposals.stage_key,
        stages.stage_order
    from proposals
    inner join events
        on proposals.event_id = events.event_id
    inner join stages
        on proposals.stage_key = stages.stage_key
),

event_highest_proposals as (
    select
        journey_key,
        journey_cycle,
        event_sequence_number,
        max(stage_order) as highest_stage_order
    from proposed_stages
    group by journey_key, journey_cycle, event_sequence_number
),

furthest_before as (
    select
        journey_key,
        event_sequence_number,
        max(highest_stage_order) over (
            partition by journey_key, journey_cycle
            order by event_sequence_number
            rows between unbounded preceding and 1 preceding
        ) as furthest_stage_order_before
    from event_highest_proposals
),

entries as (
    select
        proposed_stages.journey_key,
        proposed_stages.journey_cycle,
        proposed_stages.event_sequence_number,
        proposed_stages.event_id,
        proposed_stages.occurred_at as entered_at,
        proposed_stages.stage_key,
        proposed_stages.stage_order
    from proposed_stages
    inner join furthest_before
        on
            proposed_stages.journey_key = furthest_before.journey_key
            and proposed_stages.event_sequence_number = furthest_before.event_sequence_number
    where proposed_stages.stage_order > coalesce(furthest_before.furthest_stage_order_before, 0)
),

final as (
    select
        *,
        row_number() over (
            partition by journey_key, stage_key order by event_sequence_number
        ) as stage_occurrence_number
    from entries
)

select * from final
