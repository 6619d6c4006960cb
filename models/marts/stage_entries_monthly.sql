{#- Stage entries and the distinct journeys entering each stage, per calendar month of the
    entry: the funnel-by-month tile without scanning the stage entry fact. Distinct journeys
    do not add up across months (a journey can enter a stage twice), which is why this is
    counted here and not summed from the daily snapshot. A table: one grouped pass over
    fct_journey_stage_entries. -#}
with

stage_entries as (
    select * from {{ ref('fct_journey_stage_entries') }}
),

stages as (
    select * from {{ ref('funnel_stages') }}
),

monthly as (
    select
        cast({{ dbt.date_trunc('month', 'entered_at') }} as date) as entered_month,
        stage_key,
        count(*) as stage_entries_count,
        count(distinct journey_key) as journeys_entered_count
    from stage_entries
    group by {{ dbt.date_trunc('month', 'entered_at') }}, stage_key
),

final as (
    select
        cast(monthly.entered_month as date) as entered_month,
        cast(monthly.stage_key as varchar) as stage_key,
        cast(stages.stage_order as integer) as stage_order,
        cast(monthly.stage_entries_count as bigint) as stage_entries_count,
        cast(monthly.journeys_entered_count as bigint) as journeys_entered_count
    from monthly
    left join stages
        on monthly.stage_key = stages.stage_key
)

select * from final
