{{ config(severity='error', tags=['integrity'], meta={'rule_key': 'amount_non_negative'}) }}
{#- Amounts (deals, renewals, spend) are never negative.
    On an incremental run only the events loaded since the last build are checked
    (loaded_this_run); a full build checks the whole log. -#}
with

marketing_events as (
    select
        event_id,
        event_type,
        amount
    from {{ ref('stg_marketing__events') }}
    where {{ loaded_this_run() }}
),

sales_events as (
    select
        event_id,
        event_type,
        amount
    from {{ ref('stg_sales__events') }}
    where {{ loaded_this_run() }}
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
