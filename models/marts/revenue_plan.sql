{#- Reverse-funnel plan: for a revenue target and period, how many journeys must enter each
    forward stage, and between which dates, at today's deal size, stage-to-won rates and
    stage-to-won durations. The target comes from the revenue_targets seed, or from the
    `revenue_target` var (a mapping with target_key, period_start_date, period_end_date and
    revenue_target_usd) which then replaces the seed. -#}
{%- set target_override = var('revenue_target', none) -%}
{%- set override = target_override or {} -%}
{%- set quote = "'" if target_override else '' -%}
{%- set target_key_sql = quote ~ override.get('target_key', 'null') ~ quote -%}
{%- set period_start_sql = quote ~ override.get('period_start_date', 'null') ~ quote -%}
{%- set period_end_sql = quote ~ override.get('period_end_date', 'null') ~ quote -%}
{%- set revenue_target_sql = override.get('revenue_target_usd', 'null') -%}
with

seed_targets as (
    select
        target_key,
        period_start_date,
        period_end_date,
        revenue_target_usd,
        'seed' as target_source
    from {{ ref('revenue_targets') }}
),

var_targets as (
    {#- Literals of the revenue_target var, or nulls (filtered out below) without it. -#}
    select
        cast({{ target_key_sql }} as varchar) as target_key,
        cast({{ period_start_sql }} as date) as period_start_date,
        cast({{ period_end_sql }} as date) as period_end_date,
        cast({{ revenue_target_sql }} as decimal(18, 2)) as revenue_target_usd,
        'var' as target_source
),

targets as (
    select * from var_targets
    where {{ 'true' if target_override else 'false' }}
    union all
    select * from seed_targets
    where {{ 'false' if target_override else 'true' }}
),

conversion as (
    select * from {{ ref('funnel_conversion_by_cohort') }}
),

outcomes as (
    select * from {{ ref('sales_outcomes') }}
),

durations as (
    select * from {{ ref('stage_to_stage_durations') }}
),

roles as (
    select * from {{ ref('int_stage_roles') }}
),

deal_size as (
    select sum(won_amount_usd) / nullif(sum(deals_won_count), 0) as average_deal_size_usd
    from outcomes
),

won_rates as (
    select
        stage_key,
        sum(journeys_reached_won_count) * 1.0 / nullif(sum(journeys_entered_count), 0) as won_rate
    from conversion
    group by stage_key
),

days_to_won as (
    select
        durations.from_stage_key as stage_key,
        durations.median_days as median_days_to_won
    from durations
    inner join roles
        on durations.to_stage_key = roles.stage_key
    where roles.is_won_stage
),

stage_plans as (
    select
        roles.stage_key,
        roles.stage_order,
        case when roles.is_won_stage then 1.0 else won_rates.won_rate end as won_rate,
        case when roles.is_won_stage then 0 else days_to_won.median_days_to_won end
            as median_days_to_won
    from roles
    left join won_rates
        on roles.stage_key = won_rates.stage_key
    left join days_to_won
        on roles.stage_key = days_to_won.stage_key
    where roles.is_forward_stage
),

planned as (
    select
        targets.*,
        stage_plans.stage_key,
        stage_plans.stage_order,
        stage_plans.won_rate,
        stage_plans.median_days_to_won,
        deal_size.average_deal_size_usd,
        cast(ceil(coalesce(stage_plans.median_days_to_won, 0)) as integer) as lead_time_days,
        ceil(targets.revenue_target_usd / deal_size.average_deal_size_usd) as deals_needed_count
    from targets
    cross join stage_plans
    cross join deal_size
),

final as (
    select
        cast(target_key as varchar) as target_key,
        cast(target_source as varchar) as target_source,
        cast(period_start_date as date) as period_start_date,
        cast(period_end_date as date) as period_end_date,
        cast(revenue_target_usd as decimal(18, 2)) as revenue_target_usd,
        cast(stage_key as varchar) as stage_key,
        cast(stage_order as integer) as stage_order,
        cast(average_deal_size_usd as decimal(18, 2)) as average_deal_size_usd,
        cast(deals_needed_count as bigint) as deals_needed_count,
        cast(won_rate as double) as won_rate,
        cast(ceil(deals_needed_count / nullif(won_rate, 0)) as bigint) as journeys_needed_count,
        cast(median_days_to_won as double) as median_days_to_won,
        cast({{ dbt.dateadd('day', '-lead_time_days', 'period_start_date') }} as date)
            as enter_from_date,
        cast({{ dbt.dateadd('day', '-lead_time_days', 'period_end_date') }} as date)
            as enter_by_date
    from planned
)

select * from final
