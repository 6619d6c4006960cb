{#- The spend in unit_economics (counted once, on the first stage's rows) and in
    campaign_returns equals the spend of the campaign spend events in the event log. -#}
with

events as (
    select * from {{ ref('int_events_unioned') }}
),

logged as (
    select coalesce(sum(amount), 0) as spend_usd
    from events
    where not is_person_level and campaign_id is not null and amount is not null
),

unit_economics_spend as (
    select coalesce(sum(unit_economics.spend_usd), 0) as spend_usd
    from {{ ref('unit_economics') }} as unit_economics
    inner join {{ ref('int_stage_roles') }} as stage_roles
        on unit_economics.stage_key = stage_roles.stage_key
    where stage_roles.is_first_stage
),

returns_spend as (
    select coalesce(sum(spend_usd), 0) as spend_usd
    from {{ ref('campaign_returns') }}
),

final as (
    select
        logged.spend_usd as logged_spend_usd,
        unit_economics_spend.spend_usd as unit_economics_spend_usd,
        returns_spend.spend_usd as campaign_returns_spend_usd
    from logged
    cross join unit_economics_spend
    cross join returns_spend
    where
        logged.spend_usd <> unit_economics_spend.spend_usd
        or logged.spend_usd <> returns_spend.spend_usd
)

select * from final
