{#- Cost per journey reaching each forward stage (cost per lead, per MQL, ... and, at the
    won stage, the customer acquisition cost), per acquisition campaign and cohort month:
    the campaign's spend in the month divided by the journeys it acquired that month which
    reached the stage. Counts come from our own journeys, never from an ad platform. -#}
with

spend as (
    select * from {{ ref('campaign_spend_monthly') }}
),

conversion as (
    select * from {{ ref('funnel_conversion_by_cohort') }}
),

campaigns as (
    select * from {{ ref('dim_campaigns') }}
),

roles as (
    select * from {{ ref('int_stage_roles') }}
),

stage_counts as (
    select
        cohort_month,
        acquisition_campaign_id as campaign_id,
        stage_key,
        sum(journeys_entered_count) as journeys_reached_count
    from conversion
    group by cohort_month, acquisition_campaign_id, stage_key
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
    from stage_counts
),

grid as (
    select
        groups.cohort_month,
        groups.campaign_id,
        roles.stage_key,
        roles.stage_order,
        roles.is_won_stage
    from groups
    cross join roles
    where roles.is_forward_stage
),

final as (
    select
        cast(grid.cohort_month as date) as cohort_month,
        cast(grid.campaign_id as varchar) as campaign_id,
        cast(campaigns.channel as varchar) as channel,
        cast(grid.stage_key as varchar) as stage_key,
        cast(grid.stage_order as integer) as stage_order,
        cast(grid.is_won_stage as boolean) as is_customer_acquisition,
        cast(coalesce(spend.spend_usd, 0) as decimal(18, 2)) as spend_usd,
        cast(coalesce(stage_counts.journeys_reached_count, 0) as bigint) as journeys_reached_count,
        cast(spend.spend_usd / nullif(stage_counts.journeys_reached_count, 0) as decimal(18, 2))
            as cost_per_journey_usd
    from grid
    left join spend
        on grid.cohort_month = spend.spend_month and grid.campaign_id = spend.campaign_id
    left join stage_counts
        on
            grid.cohort_month = stage_counts.cohort_month
            and grid.campaign_id is not distinct from stage_counts.campaign_id
            and grid.stage_key = stage_counts.stage_key
    left join campaigns
        on grid.campaign_id = campaigns.campaign_id
)

select * from final
