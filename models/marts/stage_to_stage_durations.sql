{#- Time between any two stages: from a journey's first entry into one stage to its first
    entry into a later stage (higher stage order) at or after it. -#}
with

stage_entries as not materialized (
    select * from {{ ref('fct_journey_stage_entries') }}
),

first_entries as (
    select
        journey_key,
        stage_key,
        min(stage_order) as stage_order,
        min(entered_at) as first_entered_at
    from stage_entries
    group by journey_key, stage_key
),

pairs as (
    select
        first_entries.journey_key,
        first_entries.stage_key as from_stage_key,
        first_entries.stage_order as from_stage_order,
        later_entries.stage_key as to_stage_key,
        later_entries.stage_order as to_stage_order,
        first_entries.first_entered_at as from_entered_at,
        min(later_entries.entered_at) as to_entered_at
    from first_entries
    inner join stage_entries as later_entries
        on
            first_entries.journey_key = later_entries.journey_key
            and first_entries.stage_order < later_entries.stage_order
            and first_entries.first_entered_at <= later_entries.entered_at
    group by
        first_entries.journey_key,
        first_entries.stage_key,
        first_entries.stage_order,
        later_entries.stage_key,
        later_entries.stage_order,
        first_entries.first_entered_at
),

durations as (
    select
        from_stage_key,
        from_stage_order,
        to_stage_key,
        to_stage_order,
        {{ days_between('from_entered_at', 'to_entered_at') }} as days_between_stages
    from pairs
),

final as (
    select
        cast(from_stage_key as varchar) as from_stage_key,
        cast(from_stage_order as integer) as from_stage_order,
        cast(to_stage_key as varchar) as to_stage_key,
        cast(to_stage_order as integer) as to_stage_order,
        cast(count(*) as bigint) as journeys_count,
        cast({{ percentile_value('days_between_stages', 0.5) }} as double) as median_days,
        cast({{ percentile_value('days_between_stages', 0.9) }} as double) as p90_days,
        cast(avg(days_between_stages) as double) as average_days
    from durations
    group by from_stage_key, from_stage_order, to_stage_key, to_stage_order
)

select * from final
