{#- The journey chain reads int_events_identified for the journeys in scope and skips rows
    stamped before this run (derived_this_run). That is exact only if every event of a
    journey in scope was identified again by this run; this test finds any that was not.
    Trivially empty on a full build, where every row is new. -#}
with

identified_events as (
    select * from {{ ref('int_events_identified') }}
),

scope as (
    select * from {{ ref('int_journeys_scoped') }}
),

final as (
    select
        identified_events.event_id,
        identified_events.journey_key,
        identified_events.derived_at
    from identified_events
    inner join scope
        on identified_events.journey_key = scope.journey_key
    where not ({{ derived_this_run('identified_events.derived_at') }})
)

select * from final
