{{ config(severity='error', tags=['integrity'], meta={'rule_key': 'deal_closed_once'}) }}
{#- An opportunity is closed (won, or lost) at most once. Closing events are the
    opportunity-level events entering a stage one step on from the opportunity stage (the
    first forward stage opportunity-level events enter), by a forward or exit transition. -#}
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

closing_types as (
    select opportunity_level_types.event_type
    from opportunity_level_types
    inner join transitions
        on opportunity_level_types.enters_stage = transitions.to_stage
    inner join opportunity_stage
        on transitions.from_stage = opportunity_stage.stage_key
    where transitions.transition_type in ('forward', 'exit')
),

final as (
    select
        events.opportunity_id,
        count(*) as closing_event_count,
        min(events.occurred_at) as first_closed_at,
        max(events.occurred_at) as last_closed_at
    from events
    inner join closing_types
        on events.event_type = closing_types.event_type
    group by events.opportunity_id
    having count(*) > 1
)

select * from final
