{{ config(severity='error', tags=['integrity'], meta={'rule_key': 'amount_non_negative'}) }}
{#- Amounts (deals, renewals, spend) are never negative. -#}
with

marketing_events as (
    select
        event_id,
        event_type,
        amount
    from {{ ref('stg_marketing__events') }}
),

sales_events as (
    select
        event_id,
        event_type,
        amount
    from {{ ref('stg_sales__events') }}
),

unioned as (
    select * from marketing_events
    union all
    select * from sales_events
),

final as (
    select * from unioned
    where amount < 0
)

select * from final
