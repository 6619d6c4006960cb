{#- Deals won and lost, won amount and churns in sales_outcomes add up to the closing and
    churn stage entries of the journey fact tables. -#}
with

entries as (
    select * from {{ ref('fct_journey_stage_entries') }}
),

journey_events as (
    select * from {{ ref('fct_customer_journey') }}
),

roles as (
    select * from {{ ref('int_stage_roles') }}
),

expected as (
    select
        sum(case when roles.is_won_stage then 1 else 0 end) as deals_won_count,
        sum(case when roles.is_loss_outcome then 1 else 0 end) as deals_lost_count,
        sum(case when roles.is_churn_outcome then 1 else 0 end) as customers_churned_count,
        coalesce(sum(case when roles.is_won_stage then journey_events.amount end), 0)
            as won_amount_usd
    from entries
    inner join roles
        on entries.stage_key = roles.stage_key
    inner join journey_events
        on entries.entered_by_event_id = journey_events.event_id
),

reported as (
    select
        sum(deals_won_count) as deals_won_count,
        sum(deals_lost_count) as deals_lost_count,
        sum(customers_churned_count) as customers_churned_count,
        sum(won_amount_usd) as won_amount_usd
    from {{ ref('sales_outcomes') }}
),

final as (
    select
        expected.*,
        reported.deals_won_count as reported_deals_won_count,
        reported.deals_lost_count as reported_deals_lost_count,
        reported.customers_churned_count as reported_customers_churned_count,
        reported.won_amount_usd as reported_won_amount_usd
    from expected
    cross join reported
    where
        expected.deals_won_count <> reported.deals_won_count
        or expected.deals_lost_count <> reported.deals_lost_count
        or expected.customers_churned_count <> reported.customers_churned_count
        or expected.won_amount_usd <> reported.won_amount_usd
)

select * from final
