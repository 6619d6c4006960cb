{#- One row per person: their latest event's journey, account, firmographics and stage.
    Still a table: it is keyed by person, not journey, so the delete-by-journey pre-hook of
    the journey marts does not fit. Incremental would need a delete+insert by person over
    the people with events in int_journeys_scoped's journeys (before and after the run)
    plus removing people left with no events by identity stitching; not done yet. -#}
with

journey_events as (
    select * from {{ ref('fct_customer_journey') }}
),

people_events as (
    select * from journey_events
    where person_key is not null
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
