{{ config(severity='error', tags=['integrity'], meta={'rule_key': 'event_id_unique'}) }}
{#- An event_id is one event in the whole log: it never occurs in both streams.
    On an incremental run only the event_ids loaded since the last build are counted, old
    rows included (keys_loaded_this_run); a full build counts the whole log. -#}
with

marketing_events as (
    select
        event_id,
        loaded_at
    from {{ ref('stg_marketing__events') }}
),

sales_events as (
    select
        event_id,
        loaded_at
    from {{ ref('stg_sales__events') }}
),

unioned as (
    select * from marketing_events
    union all
    select * from sales_events
),

final as (
    select
        event_id,
        count(*) as occurrences
    from unioned
    where {{ keys_loaded_this_run('event_id', 'unioned') }}
    group by event_id
    having count(*) > 1
)

select * from final
