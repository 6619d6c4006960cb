{{ config(
    severity='error', tags=['integrity'], meta={'rule_key': 'deal_won_after_journey_start'},
) }}
{#- No deal is won before its journey began: a win (an opportunity-level event entering the
    won stage) is never dated before the creation (the opportunity-level event entering the
    pipeline stage) of the opportunity it closes. Both roles come from int_event_type_roles.
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

creation_types as (
    select event_type
    from event_type_roles
    where is_opportunity_creation
),

win_types as (
    select event_type
    from event_type_roles
    where is_deal_win
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
