{#- Every forward stage entry with at least one marketing touch at or before its entering
    event has rows in conversion_touches, and no other entry has any. On an incremental run only the
    journeys this run wrote are compared (rows_written_this_run): the journey facts and
    conversion_touches replace the same journeys. -#}
with

entries as (
    select * from {{ ref('fct_journey_stage_entries') }}
    where {{ rows_written_this_run() }}
),

journey_events as (
    select * from {{ ref('fct_customer_journey') }}
    where {{ rows_written_this_run() }}
),

attribution as (
    select * from {{ ref('conversion_touches') }}
    where {{ rows_written_this_run() }}
),

roles as (
    select * from {{ ref('int_stage_roles') }}
),

touched_conversions as (
    select distinct entries.stage_entry_id
    from entries
    inner join roles
        on entries.stage_key = roles.stage_key
    inner join journey_events as entering_events
        on entries.entered_by_event_id = entering_events.event_id
    inner join journey_events as touches
        on
            entries.journey_key = touches.journey_key
            and touches.is_touch
            and entering_events.event_sequence_number >= touches.event_sequence_number
    where roles.is_forward_stage
),

attributed as (
    select distinct stage_entry_id from attribution
),

final as (
    select
        coalesce(touched_conversions.stage_entry_id, attributed.stage_entry_id) as stage_entry_id,
        touched_conversions.stage_entry_id is not null as has_touches,
        attributed.stage_entry_id is not null as is_attributed
    from touched_conversions
    full outer join attributed
        on touched_conversions.stage_entry_id = attributed.stage_entry_id
    where touched_conversions.stage_entry_id is null or attributed.stage_entry_id is null
)

select * from final
