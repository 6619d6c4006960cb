{{ config(severity='error', tags=['integrity'], meta={'rule_key': 'event_id_unique'}) }}
{#- An event_id is one event in the whole log: it never occurs in both streams. -#}
with

marketing_events as (
    select event_id from {{ ref('stg_marketing__events') }}
),

sales_events as (
    select event_id from {{ ref('stg_sales__events') }}
),

unioned as (
    select event_id from marketing_events
    union all
    select event_id from sales_events
),

final as (
    select
        event_id,
        count(*) as occurrences
    from unioned
    group by event_id
    having count(*) > 1
)

select * from final
