{#- Time between any two stages: from a journey's first entry into one stage to its first
    entry into a later stage (higher stage order) at or after it. The journeys' times are
    kept by int_stage_transitions_derived, which a run derives again only for the journeys
    it touched; the quantiles are taken here over every journey's time, so they stay
    exact. -#}
with

transitions as (
    select * from {{ ref('int_stage_transitions_derived') }}
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
        cast({{ exact_average('days_between_stages') }} as double) as average_days
    from transitions
    group by from_stage_key, from_stage_order, to_stage_key, to_stage_order
)

select * from final
