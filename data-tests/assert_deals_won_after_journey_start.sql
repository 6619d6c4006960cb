{{ config(
    severity='error', tags=['integrity'], meta={'rule_key': 'deal_won_after_journey_start'},
) }}
{#- No deal is won before its journey began: a win (an opportunity-level event entering the
    forward stage after the opportunity stage) is never dated before the creation (the
    event entering the opportunity stage) of the opportunity it closes. -#}
with

events as (
    select * from {{ ref('int_events_unioned') }}
),

event_catalog as (
    select * from {{ ref('event_catalog') }}
),

stages as (
    select * from {{ ref('funnel_stages') }}
),

transitions as (
    select * from {{ ref('stage_transitions') }}
),

opportunity_level_types as (
    select
        event_catalog.event_type,
        event_catalog.enters_stage,
        stages.stage_order,
        stages.is_exit
    from event_catalog
    inner join stages
        on event_catalog.enters_stage = stages.stage_key
    where event_catalog.required_fields like '%opportunity_id%'
),

opportunity_stage as (
    select enters_stage as stage_key
    from opportunity_level_types
    where not is_exit
    order by stage_order
    limit 1
),

creation_types as (
    select opportunity_level_types.event_type
    from opportunity_level_types
    inner join opportunity_stage
        on opportunity_level_types.enters_stage = opportunity_stage.stage_key
),

win_types as (
    select opportunity_level_types.event_type
    from opportunity_level_types
    inner join transitions
        on opportunity_level_types.enters_stage = transitions.to_stage
    inner join opportunity_stage
        on transitions.from_stage = opportunity_stage.stage_key
    where transitions.transition_type = 'forward'
),

creations as (
    select
        events.opportunity_id,
        min(events.occurred_at) as created_at
    from events
    inner join creation_types
        on events.event_type = creation_types.event_type
    group by events.opportunity_id
),

wins as (
    select
        events.event_id,
        events.opportunity_id,
        events.occurred_at as won_at
    from events
    inner join win_types
        on events.event_type = win_types.event_type
),

final as (
    select
        wins.event_id,
        wins.opportunity_id,
        wins.won_at,
        creations.created_at
    from wins
    inner join creations
        on wins.opportunity_id = creations.opportunity_id
    where wins.won_at < creations.created_at
)

select * from final
