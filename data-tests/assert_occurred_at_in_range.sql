{{ config(severity='error', tags=['integrity'], meta={'rule_key': 'occurred_at_in_range'}) }}
{#- Events happened after the earliest accepted date and no further after their load than
    the future tolerance (both from ingestion_limits).
    On an incremental run only the events loaded since the last build are checked
    (loaded_this_run); a full build checks the whole log. -#}
with

marketing_events as (
    select
        event_id,
        occurred_at,
        loaded_at
    from {{ ref('stg_marketing__events') }}
    where {{ loaded_this_run() }}
),

sales_events as (
    select
        event_id,
        occurred_at,
        loaded_at
    from {{ ref('stg_sales__events') }}
    where {{ loaded_this_run() }}
),

limits as (
    select * from {{ ref('ingestion_limits') }}
),

bounds as (
    select
        cast(max(case when limit_key = 'earliest_occurred_at' then limit_value end) as timestamp)
            as earliest_occurred_at,
        cast(max(case when limit_key = 'future_tolerance_hours' then limit_value end) as integer)
            as future_tolerance_hours
    from limits
),

unioned as (
    select * from marketing_events
    union all
    select * from sales_events
),

final as (
    select
        unioned.event_id,
        unioned.occurred_at,
        unioned.loaded_at,
        bounds.earliest_occurred_at,
        bounds.future_tolerance_hours
    from unioned
    cross join bounds
    where
        unioned.occurred_at < bounds.earliest_occurred_at
        or unioned.occurred_at
        > {{ dbt.dateadd('hour', 'bounds.future_tolerance_hours', 'unioned.loaded_at') }}
)

select * from final
