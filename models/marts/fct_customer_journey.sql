{{
    config(
        materialized='incremental',
        unique_key='event_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
{#- Incremental: only journeys touched by newly loaded events are re-derived, in full,
    from the log. A journey is touched when it has a new event, or when one of its events
    moved to another journey because a new event stitched identities together. Because
    each touched journey is rebuilt from all of its events, late-arriving events land in
    the right place and the result equals a full refresh. -#}
with

journey_events as (
    select * from {{ ref('int_journey_events_staged') }}
),

-- noqa: disable=LT02
{% if is_incremental() %}
watermark as (
    select max(loaded_at) as loaded_at
    from {{ this }}
),

new_event_journeys as (
    select distinct journey_events.journey_key
    from journey_events
    inner join watermark
        on journey_events.loaded_at > watermark.loaded_at
),

rederived_events as (
    select journey_events.event_id
    from journey_events
    inner join new_event_journeys
        on journey_events.journey_key = new_event_journeys.journey_key
),

previous_journeys as (
    select distinct this_table.journey_key
    from {{ this }} as this_table
    inner join rederived_events
        on this_table.event_id = rederived_events.event_id
),

touched_journeys as (
    select journey_key from new_event_journeys
    union
    select journey_key from previous_journeys
),

scoped_events as (
    select journey_events.*
    from journey_events
    inner join touched_journeys
        on journey_events.journey_key = touched_journeys.journey_key
),
{% else %}
scoped_events as (
    select * from journey_events
),
{% endif %}
-- noqa: enable=LT02

final as (
    select
        cast(event_id as varchar) as event_id,
        cast(journey_key as varchar) as journey_key,
        cast(journey_type as varchar) as journey_type,
        cast(person_key as varchar) as person_key,
        cast(account_key as varchar) as account_key,
        cast(is_sales_sourced as boolean) as is_sales_sourced,
        cast(event_sequence_number as integer) as event_sequence_number,
        cast(event_occurrence_number as integer) as event_occurrence_number,
        cast(event_type as varchar) as event_type,
        cast(stream as varchar) as stream,  -- noqa: RF04
        cast(occurred_at as timestamp) as occurred_at,
        cast(source_system as varchar) as source_system,
        cast(is_touch as boolean) as is_touch,
        cast(campaign_id as varchar) as campaign_id,
        cast(channel as varchar) as channel,
        cast(content_id as varchar) as content_id,
        cast(owner_id as varchar) as owner_id,
        cast(opportunity_id as varchar) as opportunity_id,
        cast(current_opportunity_id as varchar) as current_opportunity_id,
        cast(amount as decimal(18, 2)) as amount,
        cast(currency as varchar) as currency,
        cast(reason as varchar) as reason,
        cast(fit_score as integer) as fit_score,
        cast(engagement_score as integer) as engagement_score,
        cast(meets_lead_rule as boolean) as meets_lead_rule,
        cast(journey_cycle as integer) as journey_cycle,
        cast(stage_key as varchar) as stage_key,
        cast(stage_order as integer) as stage_order,
        cast(previous_stage_key as varchar) as previous_stage_key,
        cast(is_stage_entry as boolean) as is_stage_entry,
        cast(stage_entered_at as timestamp) as stage_entered_at,
        cast(next_stage_entered_at as timestamp) as next_stage_entered_at,
        cast(stage_occurrence_number as integer) as stage_occurrence_number,
        cast(loaded_at as timestamp) as loaded_at
    from scoped_events
)

select * from final
