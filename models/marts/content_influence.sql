{#- Which content is used, and how the journeys that used it fared afterwards: whether they
    entered a further forward stage after first touching the content (advanced), did not
    (did not advance), or are stuck past an SLA now (stalled), against the same rates over
    all content-touching journeys. Each journey's use of each content item is kept by
    int_content_uses_derived, which a run derives again only for the journeys it touched;
    whether a journey is stalled is measured again on every run (stalled_journeys). -#}
with

content_uses as (
    select * from {{ ref('int_content_uses_derived') }}
),

stalled as (
    select * from {{ ref('stalled_journeys') }}
),

flagged as (
    select
        content_uses.*,
        stalled.journey_key is not null as is_stalled
    from content_uses
    left join stalled
        on content_uses.journey_key = stalled.journey_key
),

baseline as (
    select
        avg(case when has_advanced then 1.0 else 0.0 end) as baseline_advance_rate,
        avg(case when is_stalled then 1.0 else 0.0 end) as baseline_stalled_rate
    from flagged
),

per_content as (
    select
        content_id,
        sum(touches_count) as touches_count,
        count(*) as journeys_count,
        sum(case when has_advanced then 1 else 0 end) as journeys_advanced_count,
        sum(case when has_advanced then 0 else 1 end) as journeys_not_advanced_count,
        sum(case when is_stalled then 1 else 0 end) as journeys_stalled_count,
        sum(case when has_won then 1 else 0 end) as journeys_won_count,
        min(first_touched_at) as first_used_at,
        max(first_touched_at) as last_first_use_at
    from flagged
    group by content_id
),

final as (
    select
        cast(per_content.content_id as varchar) as content_id,
        cast(per_content.touches_count as bigint) as touches_count,
        cast(per_content.journeys_count as bigint) as journeys_count,
        cast(per_content.journeys_advanced_count as bigint) as journeys_advanced_count,
        cast(per_content.journeys_not_advanced_count as bigint) as journeys_not_advanced_count,
        cast(per_content.journeys_stalled_count as bigint) as journeys_stalled_count,
        cast(per_content.journeys_won_count as bigint) as journeys_won_count,
        cast(per_content.journeys_advanced_count * 1.0 / per_content.journeys_count as double)
            as advance_rate,
        cast(per_content.journeys_stalled_count * 1.0 / per_content.journeys_count as double)
            as stalled_rate,
        cast(baseline.baseline_advance_rate as double) as baseline_advance_rate,
        cast(
            per_content.journeys_advanced_count * 1.0 / per_content.journeys_count
            / nullif(baseline.baseline_advance_rate, 0) as double
        ) as advance_lift,
        cast(per_content.first_used_at as timestamp) as first_used_at,
        cast(per_content.last_first_use_at as timestamp) as last_first_use_at
    from per_content
    cross join baseline
)

select * from final
