{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_scoped_journeys() }}",
    )
}}
{#- Incremental: int_journeys_scoped decides which journeys this run re-derives (those
    with newly loaded events, and those that lost events to them through identity
    stitching); their rows are deleted and re-derived in full from the log. Because a
    touched journey is always rebuilt from all of its events, late-arriving events land in
    the right place and the result equals a full refresh. -#}
with

journey_events as (
    select * from {{ ref('int_journey_events_staged') }}
),

final as (
    select
        cast(event_id as varchar) as event_id,
        cast(journey_key as varchar) as journey_key,
        cast(journey_type as varchar) as journey_type,
        cast(person_key as varchar) as person_key,
        cast(account_key as varchar) as account_key,
        cast(account_source as varchar) as account_source,
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
        cast(identified_at as timestamp) as identified_at,
        cast(known_industry as varchar) as industry,
        cast(known_company_size as varchar) as company_size,
        cast(known_seniority as varchar) as seniority,
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
    from journey_events
)

select * from final

-- depends_on: {{ ref('int_journeys_scoped') }}
