{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook=[
            "{{ delete_scoped_journeys() }}",
            "{{ delete_journeys_with_changed_campaign_channel() }}",
        ],
    )
}}
{#- Who each journey is for reporting: when it entered the funnel (its cohort), which
    campaign brought it in, and its segment. Every funnel, cost and plan mart groups
    journeys by these same attributes.

    Incremental by journey: a row depends on its own journey's events and entries (the
    person's company_size, from dim_people, is their latest event's, and a person's events
    are all in their own journey), and on one dimension a day's events can change for
    journeys the day did not touch: the campaign's channel (dim_campaigns, the fallback of
    the acquisition channel). So a run deletes the journeys int_journeys_scoped re-derives
    and the rows whose acquisition channel no longer matches the campaign's (pre-hooks),
    then derives every journey with stage entries but no row, which is exactly those. -#}
with

all_journey_events as not materialized (
    select * from {{ ref('fct_customer_journey') }}
),

all_stage_entries as not materialized (
    select * from {{ ref('fct_journey_stage_entries') }}
),

people as not materialized (
    select * from {{ ref('dim_people') }}
),

campaigns as not materialized (
    select * from {{ ref('dim_campaigns') }}
),

{% if is_incremental() -%}
previous_cohorts as not materialized (
    select * from {{ this }}
),

journeys_missing as (
    select distinct all_stage_entries.journey_key
    from all_stage_entries
    where all_stage_entries.journey_key not in (
        select previous_cohorts.journey_key from previous_cohorts
    )
),

stage_entries as (
    select all_stage_entries.*
    from all_stage_entries
    inner join journeys_missing
        on all_stage_entries.journey_key = journeys_missing.journey_key
),

journey_events as (
    select all_journey_events.*
    from all_journey_events
    inner join journeys_missing
        on all_journey_events.journey_key = journeys_missing.journey_key
),
{%- else -%}
    stage_entries as (
        select * from all_stage_entries
    ),

    journey_events as (
        select * from all_journey_events
    ),
{%- endif %}

journey_entries as (
    select
        journey_key,
        min(entered_at) as funnel_entered_at
    from stage_entries
    group by journey_key
),

journeys as (
    select
        journey_key,
        max(person_key) as person_key,
        {{ dbt.bool_or('is_sales_sourced') }} as is_sales_sourced
    from journey_events
    group by journey_key
),

campaign_touches as (
    select
        journey_events.journey_key,
        journey_events.campaign_id,
        coalesce(journey_events.channel, campaigns.channel) as channel,
        row_number() over (
            partition by journey_events.journey_key
            order by journey_events.event_sequence_number
        ) as touch_number
    from journey_events
    inner join journey_entries
        on journey_events.journey_key = journey_entries.journey_key
    left join campaigns
        on journey_events.campaign_id = campaigns.campaign_id
    where
        journey_events.is_touch
        and journey_events.campaign_id is not null
        and journey_events.occurred_at <= journey_entries.funnel_entered_at
),

final as (
    select
        cast(journey_entries.journey_key as varchar) as journey_key,
        cast(journeys.person_key as varchar) as person_key,
        cast(journeys.is_sales_sourced as boolean) as is_sales_sourced,
        cast(journey_entries.funnel_entered_at as timestamp) as funnel_entered_at,
        cast({{ dbt.date_trunc('month', 'journey_entries.funnel_entered_at') }} as date)
            as cohort_month,
        cast(campaign_touches.campaign_id as varchar) as acquisition_campaign_id,
        cast(campaign_touches.channel as varchar) as acquisition_channel,
        cast(people.company_size as varchar) as company_size
    from journey_entries
    inner join journeys
        on journey_entries.journey_key = journeys.journey_key
    left join campaign_touches
        on
            journey_entries.journey_key = campaign_touches.journey_key
            and campaign_touches.touch_number = 1
    left join people
        on journeys.person_key = people.person_key
)

select * from final

-- depends_on: {{ ref('int_journeys_scoped') }}
