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

identified_events as (
    {#- The journey chain carries only what its windows need; the event's own attributes
        and its journey keys join back here, once. -#}
    select * from {{ ref('int_events_identified') }}
),

final as (
    select
        cast(journey_events.event_id as varchar) as event_id,
        cast(journey_events.journey_key as varchar) as journey_key,
        cast(identified_events.journey_type as varchar) as journey_type,
        {#- A person's journey is keyed by the person (int_events_identified). #}
        cast(
            case when identified_events.journey_type = 'person' then journey_events.journey_key end
            as varchar
        ) as person_key,
        cast(identified_events.account_key as varchar) as account_key,
        cast(identified_events.account_source as varchar) as account_source,
        cast(journey_events.is_sales_sourced as boolean) as is_sales_sourced,
        cast(journey_events.event_sequence_number as integer) as event_sequence_number,
        cast(journey_events.event_occurrence_number as integer) as event_occurrence_number,
        cast(identified_events.event_type as varchar) as event_type,
        cast(identified_events.stream as varchar) as stream,  -- noqa: RF04
        cast(identified_events.occurred_at as timestamp) as occurred_at,
        cast(identified_events.source_system as varchar) as source_system,
        cast(identified_events.is_touch as boolean) as is_touch,
        cast(identified_events.campaign_id as varchar) as campaign_id,
        cast(identified_events.channel as varchar) as channel,
        cast(identified_events.content_id as varchar) as content_id,
        cast(identified_events.owner_id as varchar) as owner_id,
        cast(identified_events.opportunity_id as varchar) as opportunity_id,
        cast(journey_events.current_opportunity_id as varchar) as current_opportunity_id,
        cast(identified_events.amount as decimal(18, 2)) as amount,
        cast(identified_events.currency as varchar) as currency,
        cast(identified_events.reason as varchar) as reason,
        cast(journey_events.identified_at as timestamp) as identified_at,
        cast(journey_events.known_industry as varchar) as industry,
        cast(journey_events.known_company_size as varchar) as company_size,
        cast(journey_events.known_seniority as varchar) as seniority,
        cast(journey_events.fit_score as integer) as fit_score,
        cast(journey_events.engagement_score as integer) as engagement_score,
        cast(journey_events.meets_lead_rule as boolean) as meets_lead_rule,
        cast(journey_events.journey_cycle as integer) as journey_cycle,
        cast(journey_events.stage_key as varchar) as stage_key,
        cast(journey_events.stage_order as integer) as stage_order,
        cast(journey_events.previous_stage_key as varchar) as previous_stage_key,
        cast(journey_events.is_stage_entry as boolean) as is_stage_entry,
        cast(journey_events.stage_entered_at as timestamp) as stage_entered_at,
        cast(journey_events.next_stage_entered_at as timestamp) as next_stage_entered_at,
        cast(journey_events.stage_occurrence_number as integer) as stage_occurrence_number,
        cast(identified_events.loaded_at as timestamp) as loaded_at,
        {{ run_stamp() }} as derived_at
    from journey_events
    inner join identified_events
        on journey_events.event_id = identified_events.event_id
    {#- Every event of a journey in scope was identified this run: the stamp lets the scan
        skip the older row groups of the 10M-row table. #}
    where {{ derived_this_run('identified_events.derived_at') }}
)

select * from final

-- depends_on: {{ ref('int_journeys_scoped') }}
-- dim_accounts reads the accounts of these journeys before this mart replaces them.
-- depends_on: {{ ref('int_accounts_scoped') }}
-- The stage entries' integrity tests gate this mart, as they gate every mart.
-- depends_on: {{ ref('int_stage_entries_derived') }}
