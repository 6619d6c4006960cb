{#- Marketing spend per campaign and calendar month, from the campaign spend events of the
    event log (events about no person that carry a campaign and an amount), in USD. -#}
with

events as (
    select * from {{ ref('int_events_unioned') }}
),

campaigns as (
    select * from {{ ref('dim_campaigns') }}
),

spend_events as (
    select
        campaign_id,
        cast({{ dbt.date_trunc('month', 'occurred_at') }} as date) as spend_month,
        amount
    from events
    where
        not is_person_level
        and campaign_id is not null
        and amount is not null
),

final as (
    select
        cast(spend_events.spend_month as date) as spend_month,
        cast(spend_events.campaign_id as varchar) as campaign_id,
        cast(campaigns.channel as varchar) as channel,
        cast(count(*) as bigint) as spend_events_count,
        cast(sum(spend_events.amount) as decimal(18, 2)) as spend_usd
    from spend_events
    left join campaigns
        on spend_events.campaign_id = campaigns.campaign_id
    group by spend_events.spend_month, spend_events.campaign_id, campaigns.channel
)

select * from final
