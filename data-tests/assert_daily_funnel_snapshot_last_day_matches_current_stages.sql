{#- On the last day of the snapshot, the journeys in each stage are exactly the journeys
    whose latest event left them in that stage. -#}
with

journey_events as (
    select * from {{ ref('fct_customer_journey') }}
),

snapshot_days as (
    select * from {{ ref('daily_funnel_snapshot') }}
),

latest_events as (
    select
        stage_key,
        row_number() over (
            partition by journey_key order by event_sequence_number desc
        ) as recency_rank
    from journey_events
    where stage_key is not null
),

current_counts as (
    select
        stage_key,
        count(*) as journeys_count
    from latest_events
    where recency_rank = 1
    group by stage_key
),

last_snapshot_date as (
    select max(snapshot_date) as snapshot_date from snapshot_days
),

last_day as (
    select
        snapshot_days.stage_key,
        snapshot_days.journeys_in_stage_count
    from snapshot_days
    inner join last_snapshot_date
        on snapshot_days.snapshot_date = last_snapshot_date.snapshot_date
),

final as (
    select
        last_day.stage_key,
        last_day.journeys_in_stage_count,
        coalesce(current_counts.journeys_count, 0) as current_journeys_count
    from last_day
    left join current_counts
        on last_day.stage_key = current_counts.stage_key
    where last_day.journeys_in_stage_count <> coalesce(current_counts.journeys_count, 0)
)

select * from final
