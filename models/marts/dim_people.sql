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
    Incremental by person: a person's row comes from their latest event, which changes only
    when one of their events is in a journey int_journeys_scoped re-derives this run. So the
    people re-ranked are those with an event in a re-derived journey now, plus those whose
    latest event was in one (identity stitching can move it away); their rows are replaced
    (delete+insert on person_key) from all of their events, and people left with no event at
    all are removed (post-hook). -#}
with

journey_events as not materialized (
    select * from {{ ref('fct_customer_journey') }}
),

{% if is_incremental() -%}
previous_people as not materialized (
    select * from {{ this }}
),

people_in_scope as (
    select journey_events.person_key
    from journey_events
    {{ join_scoped_journeys('journey_events.journey_key', 'journey_events.derived_at') }}
    where journey_events.person_key is not null
    union
    select previous_people.person_key
    from previous_people
    {{ join_scoped_journeys('previous_people.journey_key') }}
),

people_events as (
    select journey_events.*
    from journey_events
    inner join people_in_scope
        on journey_events.person_key = people_in_scope.person_key
),
{%- else -%}
    people_events as (
        select * from journey_events
        where person_key is not null
    ),
{%- endif %}

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
