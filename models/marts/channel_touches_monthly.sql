{#- Marketing touches per channel and calendar month, from the journey fact table: the
    day-grain question "how many touches did each channel bring, month by month" without
    scanning one row per event. A table: one filtered, grouped pass over the fact. -#}
with

journey_events as (
    select * from {{ ref('fct_customer_journey') }}
),

touches as (
    select
        cast({{ dbt.date_trunc('month', 'occurred_at') }} as date) as touch_month,
        channel
    from journey_events
    where is_touch
),

final as (
    select
        cast(touch_month as date) as touch_month,
        cast(channel as varchar) as channel,
        cast(count(*) as bigint) as touches_count
    from touches
    group by touch_month, channel
)

select * from final
