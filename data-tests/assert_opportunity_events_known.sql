{{ config(severity='error', tags=['integrity'], meta={'rule_key': 'opportunity_event_known'}) }}
{#- Every opportunity-level event (its type requires an opportunity_id in the event
    catalog) belongs to a known opportunity: one with an event that moves a journey into a
    forward (non-exit) stage, i.e. it was created, or at least won. -#}
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

opportunity_events as (
    select
        events.event_id,
        events.event_type,
        events.opportunity_id,
        events.occurred_at,
        coalesce(not stages.is_exit, false) as makes_opportunity_known
    from events
    inner join event_catalog
        on events.event_type = event_catalog.event_type
    left join stages
        on event_catalog.enters_stage = stages.stage_key
    where event_catalog.required_fields like '%opportunity_id%'
),

known_opportunities as (
    select distinct opportunity_id
    from opportunity_events
    where makes_opportunity_known
),

final as (
    select opportunity_events.*
    from opportunity_events
    left join known_opportunities
        on opportunity_events.opportunity_id = known_opportunities.opportunity_id
    where known_opportunities.opportunity_id is null
)

select * from final
