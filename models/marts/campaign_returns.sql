{#- Revenue returned per unit of marketing spend, per acquisition campaign and cohort
    month: won revenue of the journeys the campaign acquired in the month (whenever they
    closed) against the campaign's spend in that month. -#}
with

spend as (
    select * from {{ ref('campaign_spend_monthly') }}
),

cohorts as (
    select * from {{ ref('journey_cohorts') }}
),

stage_entries as (
    select * from {{ ref('fct_journey_stage_entries') }}
),

journey_events as (
    select * from {{ ref('fct_customer_journey') }}
),

roles as (
    select * from {{ ref('int_stage_roles') }}
),

campaigns as (
    select * from {{ ref('dim_campaigns') }}
),

won_revenue as (
    select
        cohorts.cohort_month,
        cohorts.acquisition_campaign_id as campaign_id,
        count(distinct stage_entries.journey_key) as customers_count,
        sum(won_events.amount) as won_revenue_usd
    from stage_entries
    inner join roles
        on stage_entries.stage_key = roles.stage_key
    inner join journey_events as won_events
        on stage_entries.entered_by_event_id = won_events.event_id
    inner join cohorts
        on stage_entries.journey_key = cohorts.journey_key
    where roles.is_won_stage
    group by cohorts.cohort_month, cohorts.acquisition_campaign_id
),

acquired as (
    select
        cohort_month,
        acquisition_campaign_id as campaign_id,
        count(*) as journeys_acquired_count
    from cohorts
    group by cohort_month, acquisition_campaign_id
),

groups as (
    select
        spend_month as cohort_month,
        campaign_id
    from spend
    union
    select
        cohort_month,
        campaign_id
    from acquired
),

final as (
    select
        cast(groups.cohort_month as date) as cohort_month,
        cast(groups.campaign_id as varchar) as campaign_id,
        cast(campaigns.channel as varchar) as channel,
        cast(coalesce(spend.spend_usd, 0) as decimal(18, 2)) as spend_usd,
        cast(coalesce(acquired.journeys_acquired_count, 0) as bigint) as journeys_acquired_count,
        cast(coalesce(won_revenue.customers_count, 0) as bigint) as customers_count,
        cast(coalesce(won_revenue.won_revenue_usd, 0) as decimal(18, 2)) as won_revenue_usd,
        cast(coalesce(won_revenue.won_revenue_usd, 0) / nullif(spend.spend_usd, 0) as double)
            as revenue_per_spend,
        cast(
            (coalesce(won_revenue.won_revenue_usd, 0) - spend.spend_usd)
            / nullif(spend.spend_usd, 0)
            as double
        ) as return_on_spend
    from groups
    left join spend
        on groups.cohort_month = spend.spend_month and groups.campaign_id = spend.campaign_id
    left join acquired
        on
            groups.cohort_month = acquired.cohort_month
            and groups.campaign_id is not distinct from acquired.campaign_id
    left join won_revenue
        on
            groups.cohort_month = won_revenue.cohort_month
            and groups.campaign_id is not distinct from won_revenue.campaign_id
    left join campaigns
        on groups.campaign_id = campaigns.campaign_id
)

select * from final
