{{ config(severity='error', tags=['integrity'], meta={'rule_key': 'deal_closed_once'}) }}
{#- An opportunity is closed (won, or lost) at most once. Closing events are the
    opportunity-level events that win or lose the deal (int_event_type_roles).
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

closing_types as (
    select event_type
    from event_type_roles
    where is_deal_closing
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
