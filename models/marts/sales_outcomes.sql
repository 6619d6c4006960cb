{#- Deals, win rates, deal size, sales cycle, pipeline velocity, and customer churn per
    calendar month. Deals are the journeys' closing stage entries (won or lost); the month
    of a close is the month it happened, the month of pipeline is the month the
    opportunity stage was entered. -#}
with

stage_entries as not materialized (
    select * from {{ ref('fct_journey_stage_entries') }}
),

journey_events as not materialized (
    select * from {{ ref('fct_customer_journey') }}
),

roles as (
    select * from {{ ref('int_stage_roles') }}
),

snapshot as (
    select * from {{ ref('daily_funnel_snapshot') }}
),

dates as (
    select * from {{ ref('dim_dates') }}
),

months as (
    select distinct month_start_date as calendar_month
    from dates
),

entries as (
    select
        stage_entries.journey_key,
        stage_entries.stage_key,
        stage_entries.entered_at,
        stage_entries.entered_by_event_id,
        roles.is_pipeline_stage,
        roles.is_won_stage,
        roles.is_loss_outcome,
        roles.is_churn_outcome
    from stage_entries
    inner join roles
        on stage_entries.stage_key = roles.stage_key
),

pipeline_entries as (
    select
        journey_key,
        entered_at
    from entries
    where is_pipeline_stage
),

closes as (
    select
        entries.journey_key,
        entries.entered_at as closed_at,
        entries.is_won_stage as is_won,
        closing_events.current_opportunity_id as opportunity_id,
        closing_events.amount as close_amount
    from entries
    inner join journey_events as closing_events
        on entries.entered_by_event_id = closing_events.event_id
    where entries.is_won_stage or entries.is_loss_outcome
),

close_cycles as (
    select
        closes.journey_key,
        closes.closed_at,
        max(pipeline_entries.entered_at) as pipeline_entered_at
    from closes
    inner join pipeline_entries
        on
            closes.journey_key = pipeline_entries.journey_key
            and closes.closed_at >= pipeline_entries.entered_at
    group by closes.journey_key, closes.closed_at
),

known_amounts as (
    select
        closes.journey_key,
        closes.closed_at,
        max(opportunity_events.amount) as known_amount
    from closes
    inner join journey_events as opportunity_events
        on
            closes.opportunity_id = opportunity_events.opportunity_id
            and closes.closed_at >= opportunity_events.occurred_at
            and opportunity_events.amount is not null
    group by closes.journey_key, closes.closed_at
),

deals as (
    select
        closes.is_won,
        cast({{ dbt.date_trunc('month', 'closes.closed_at') }} as date) as close_month,
        coalesce(closes.close_amount, known_amounts.known_amount) as deal_amount,
        {{ days_between('close_cycles.pipeline_entered_at', 'closes.closed_at') }} as cycle_days
    from closes
    left join close_cycles
        on
            closes.journey_key = close_cycles.journey_key
            and closes.closed_at = close_cycles.closed_at
    left join known_amounts
        on
            closes.journey_key = known_amounts.journey_key
            and closes.closed_at = known_amounts.closed_at
),

monthly_deals as (
    select
        close_month,
        sum(case when is_won then 1 else 0 end) as deals_won_count,
        sum(case when is_won then 0 else 1 end) as deals_lost_count,
        sum(case when is_won then deal_amount else 0 end) as won_amount_usd,
        sum(case when not is_won then deal_amount else 0 end) as lost_known_amount_usd,
        sum(case when not is_won and deal_amount is null then 1 else 0 end)
            as lost_amount_unknown_count,
        {{ exact_average('cycle_days') }} as average_sales_cycle_days,
        {{ percentile_value('cycle_days', 0.5) }} as median_sales_cycle_days
    from deals
    group by close_month
),

monthly_pipeline as (
    select
        cast({{ dbt.date_trunc('month', 'entered_at') }} as date) as pipeline_month,
        count(*) as opportunities_created_count
    from pipeline_entries
    group by cast({{ dbt.date_trunc('month', 'entered_at') }} as date)
),

monthly_churn as (
    select
        cast({{ dbt.date_trunc('month', 'entered_at') }} as date) as churn_month,
        count(*) as customers_churned_count
    from entries
    where is_churn_outcome
    group by cast({{ dbt.date_trunc('month', 'entered_at') }} as date)
),

customers_at_start as (
    select
        months.calendar_month,
        sum(snapshot.journeys_in_stage_count) as customers_at_start_count
    from months
    inner join snapshot
        on
            snapshot.snapshot_date
            = cast({{ dbt.dateadd('day', -1, 'months.calendar_month') }} as date)
    inner join roles
        on snapshot.stage_key = roles.stage_key
    where roles.is_won_stage
    group by months.calendar_month
),

combined as (
    select
        months.calendar_month,
        monthly_deals.average_sales_cycle_days,
        monthly_deals.median_sales_cycle_days,
        coalesce(monthly_pipeline.opportunities_created_count, 0) as opportunities_created_count,
        coalesce(monthly_deals.deals_won_count, 0) as deals_won_count,
        coalesce(monthly_deals.deals_lost_count, 0) as deals_lost_count,
        coalesce(monthly_deals.won_amount_usd, 0) as won_amount_usd,
        coalesce(monthly_deals.lost_known_amount_usd, 0) as lost_known_amount_usd,
        coalesce(monthly_deals.lost_amount_unknown_count, 0) as lost_amount_unknown_count,
        coalesce(customers_at_start.customers_at_start_count, 0) as customers_at_start_count,
        coalesce(monthly_churn.customers_churned_count, 0) as customers_churned_count
    from months
    left join monthly_deals
        on months.calendar_month = monthly_deals.close_month
    left join monthly_pipeline
        on months.calendar_month = monthly_pipeline.pipeline_month
    left join monthly_churn
        on months.calendar_month = monthly_churn.churn_month
    left join customers_at_start
        on months.calendar_month = customers_at_start.calendar_month
),

rates as (
    select
        *,
        won_amount_usd / nullif(deals_won_count, 0) as average_deal_size_usd,
        deals_won_count * 1.0 / nullif(deals_won_count + deals_lost_count, 0) as win_rate
    from combined
),

valued as (
    select
        *,
        lost_known_amount_usd
        + lost_amount_unknown_count * coalesce(average_deal_size_usd, 0) as lost_amount_usd
    from rates
),

final as (
    select
        cast(calendar_month as date) as calendar_month,
        cast(opportunities_created_count as bigint) as opportunities_created_count,
        cast(deals_won_count as bigint) as deals_won_count,
        cast(deals_lost_count as bigint) as deals_lost_count,
        cast(won_amount_usd as decimal(18, 2)) as won_amount_usd,
        cast(lost_amount_usd as decimal(18, 2)) as lost_amount_usd,
        cast(lost_amount_unknown_count as bigint) as lost_amount_unknown_count,
        cast(win_rate as double) as win_rate,
        cast(won_amount_usd / nullif(won_amount_usd + lost_amount_usd, 0) as double)
            as amount_win_rate,
        cast(average_deal_size_usd as decimal(18, 2)) as average_deal_size_usd,
        cast(opportunities_created_count * average_deal_size_usd as decimal(18, 2))
            as pipeline_created_usd,
        cast(average_sales_cycle_days as double) as average_sales_cycle_days,
        cast(median_sales_cycle_days as double) as median_sales_cycle_days,
        cast(
            opportunities_created_count * win_rate * average_deal_size_usd
            / nullif(average_sales_cycle_days, 0) as double
        ) as pipeline_velocity_usd_per_day,
        cast(customers_at_start_count as bigint) as customers_at_start_count,
        cast(customers_churned_count as bigint) as customers_churned_count,
        cast(customers_churned_count * 1.0 / nullif(customers_at_start_count, 0) as double)
            as churn_rate,
        cast(1 - customers_churned_count * 1.0 / nullif(customers_at_start_count, 0) as double)
            as retention_rate
    from valued
)

select * from final
