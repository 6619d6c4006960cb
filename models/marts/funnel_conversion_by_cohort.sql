{#- Funnel volumes and stage-to-stage conversion, counted in journeys. A journey belongs to
    exactly one cohort / channel / campaign / segment group, so every count here adds up
    across groups. What became of each journey after each stage is kept per journey by
    int_stage_outcomes_derived, which a run derives again only for the journeys it touched;
    the conversion window is applied here. -#}
with

stage_outcomes as (
    select * from {{ ref('int_stage_outcomes_derived') }}
),

cohorts as (
    select * from {{ ref('journey_cohorts') }}
),

roles as (
    select * from {{ ref('int_stage_roles') }}
),

windows as (
    select * from {{ ref('reporting_windows') }}
),

conversion_window as (
    select window_days from windows
    where window_key = 'conversion'
),

journey_outcomes as (
    select
        stage_outcomes.journey_key,
        stage_outcomes.stage_key,
        stage_outcomes.is_moved_on,
        stage_outcomes.has_reached_won,
        coalesce(
            stage_outcomes.soonest_days_to_move_on <= conversion_window.window_days, false
        ) as is_moved_on_within_window
    from stage_outcomes
    cross join conversion_window
),

grouped as (
    select
        cohorts.cohort_month,
        cohorts.acquisition_channel,
        cohorts.acquisition_campaign_id,
        cohorts.company_size,
        cohorts.is_sales_sourced,
        journey_outcomes.stage_key,
        count(*) as journeys_entered_count,
        sum(case when journey_outcomes.is_moved_on then 1 else 0 end) as journeys_moved_on_count,
        sum(case when journey_outcomes.is_moved_on_within_window then 1 else 0 end)
            as journeys_moved_on_within_window_count,
        sum(case when journey_outcomes.has_reached_won then 1 else 0 end)
            as journeys_reached_won_count
    from journey_outcomes
    inner join cohorts
        on journey_outcomes.journey_key = cohorts.journey_key
    group by
        cohorts.cohort_month,
        cohorts.acquisition_channel,
        cohorts.acquisition_campaign_id,
        cohorts.company_size,
        cohorts.is_sales_sourced,
        journey_outcomes.stage_key
),

final as (
    select
        cast(grouped.cohort_month as date) as cohort_month,
        cast(grouped.acquisition_channel as varchar) as acquisition_channel,
        cast(grouped.acquisition_campaign_id as varchar) as acquisition_campaign_id,
        cast(grouped.company_size as varchar) as company_size,
        cast(grouped.is_sales_sourced as boolean) as is_sales_sourced,
        cast(grouped.stage_key as varchar) as stage_key,
        cast(roles.stage_order as integer) as stage_order,
        cast(roles.next_forward_stage_key as varchar) as next_forward_stage_key,
        cast(grouped.journeys_entered_count as bigint) as journeys_entered_count,
        cast(grouped.journeys_moved_on_count as bigint) as journeys_moved_on_count,
        cast(grouped.journeys_moved_on_within_window_count as bigint)
            as journeys_moved_on_within_window_count,
        cast(grouped.journeys_reached_won_count as bigint) as journeys_reached_won_count,
        cast(conversion_window.window_days as integer) as conversion_window_days,
        cast(
            case
                when roles.next_forward_stage_key is not null
                    then grouped.journeys_moved_on_count * 1.0 / grouped.journeys_entered_count
            end as double
        ) as conversion_rate,
        cast(
            case
                when roles.next_forward_stage_key is not null
                    then
                        grouped.journeys_moved_on_within_window_count * 1.0
                        / grouped.journeys_entered_count
            end as double
        ) as conversion_rate_within_window,
        cast(grouped.journeys_reached_won_count * 1.0 / grouped.journeys_entered_count as double)
            as won_rate
    from grouped
    inner join roles
        on grouped.stage_key = roles.stage_key
    cross join conversion_window
)

select * from final
