{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='person_key',
        on_schema_change='fail',
        post_hook="{{ delete_people_without_events() }}",
    )
}}
{#- One row per person: their latest event's journey, account, firmographics and stage.
    Incremental by person: a person's events are exactly the events of their own journey (a
    person's journey is keyed by the person, see fct_customer_journey), so a person's row
    changes only when int_journeys_scoped re-derives that journey. The people re-ranked are
    the person journeys re-derived this run, from their events, which are all rows derived
    this run (so DuckDB reads only those row groups of the facts); their rows are replaced
    (delete+insert on person_key), and people left with no event at all, whose journey was
    merged into another by identity stitching, are removed (post-hook). -#}
with

journey_events as not materialized (
    select * from {{ ref('fct_customer_journey') }}
),

people_events as (
    select journey_events.*
    from journey_events
    {{ join_scoped_journeys('journey_events.journey_key', 'journey_events.derived_at') }}
    where journey_events.person_key is not null
),

latest_events as (
    select
        *,
        row_number() over (
            partition by person_key order by event_sequence_number desc
        ) as recency_rank
    from people_events
),

final as (
    select
        cast(latest_events.person_key as varchar) as person_key,
        cast(latest_events.journey_key as varchar) as journey_key,
        cast(latest_events.account_key as varchar) as account_key,
        cast(latest_events.identified_at is not null as boolean) as is_identified,
        cast(latest_events.identified_at as timestamp) as identified_at,
        cast(latest_events.is_sales_sourced as boolean) as is_sales_sourced,
        cast(latest_events.industry as varchar) as industry,
        cast(latest_events.company_size as varchar) as company_size,
        cast(latest_events.seniority as varchar) as seniority,
        cast(latest_events.stage_key as varchar) as current_stage_key,
        cast(latest_events.journey_cycle as integer) as current_journey_cycle,
        cast(latest_events.occurred_at as timestamp) as last_event_at
    from latest_events
    where latest_events.recency_rank = 1
)

select * from final

-- depends_on: {{ ref('int_journeys_scoped') }}
