{{ config(severity='error', tags=['integrity'], meta={'rule_key': 'opportunity_event_known'}) }}
{#- Every opportunity-level event (its type requires an opportunity_id in the event
    catalog) belongs to a known opportunity: one with an event that moves a journey into a
    forward (non-exit) stage, i.e. it was created, or at least won. Both roles come from
    int_event_type_roles.
    On an incremental run only the opportunities with an event loaded since the last build
    are checked, with all of their events (keys_loaded_this_run); a full build checks all. -#}
with

events as (
    select * from {{ ref('int_events_unioned') }}
    where {{ keys_loaded_this_run('opportunity_id', ref('int_events_unioned')) }}
),

event_type_roles as (
    select * from {{ ref('int_event_type_roles') }}
),

opportunity_events as (
    select
        events.event_id,
        events.event_type,
        events.opportunity_id,
        events.occurred_at,
        event_type_roles.makes_opportunity_known
    from events
    inner join event_type_roles
        on events.event_type = event_type_roles.event_type
    where event_type_roles.is_opportunity_level
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
