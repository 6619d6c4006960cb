{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_scoped_journeys() }}",
    )
}}
{#- Each journey's use of each content item: how often it touched the content, when first,
    and whether it entered a further forward stage (and the won stage) after that first
    touch. content_influence adds these up per content item, with whether the journey is
    stalled now, without going through every touch and stage entry again on every run.

    Incremental like the journey facts: a row depends on its own journey's events and stage
    entries alone, so the journeys int_journeys_scoped re-derives this run are deleted
    (pre-hook) and derived again in full, and the result equals a full refresh. -#}
with

all_journey_events as (
    select * from {{ ref('fct_customer_journey') }}
),

content_touches as (
    select
        all_journey_events.content_id,
        all_journey_events.journey_key,
        all_journey_events.occurred_at
    from all_journey_events
    {{ join_scoped_journeys('all_journey_events.journey_key', 'all_journey_events.derived_at') }}
    where all_journey_events.is_touch and all_journey_events.content_id is not null
),

forward_entries as (
    {{ forward_stage_entries() }}
),

journey_contents as (
    select
        content_id,
        journey_key,
        count(*) as touches_count,
        min(occurred_at) as first_touched_at
    from content_touches
    group by content_id, journey_key
),

outcomes as (
    select
        journey_contents.content_id,
        journey_contents.journey_key,
        journey_contents.touches_count,
        journey_contents.first_touched_at,
        count(forward_entries.entered_at) > 0 as has_advanced,
        coalesce({{ dbt.bool_or('forward_entries.is_won_stage') }}, false) as has_won
    from journey_contents
    left join forward_entries
        on
            journey_contents.journey_key = forward_entries.journey_key
            and journey_contents.first_touched_at < forward_entries.entered_at
    group by
        journey_contents.content_id,
        journey_contents.journey_key,
        journey_contents.touches_count,
        journey_contents.first_touched_at
),

final as (
    select
        cast(content_id as varchar) as content_id,
        cast(journey_key as varchar) as journey_key,
        cast(touches_count as bigint) as touches_count,
        cast(first_touched_at as timestamp) as first_touched_at,
        cast(has_advanced as boolean) as has_advanced,
        cast(has_won as boolean) as has_won
    from outcomes
)

select * from final

-- depends_on: {{ ref('int_journeys_scoped') }}
