{{ config(severity='error', tags=['integrity'], meta={'rule_key': 'event_type_in_catalog'}) }}
{#- Every event type is in the event catalog, in the stream it arrived in.
    On an incremental run only the events loaded since the last build are checked
    (loaded_this_run); a full build checks the whole log. -#}
with

marketing_events as (
    select
        event_id,
        event_type,
        'marketing' as arrived_in_stream
    from {{ ref('stg_marketing__events') }}
    where {{ loaded_this_run() }}
),

sales_events as (
    select
        event_id,
        event_type,
        'sales' as arrived_in_stream
    from {{ ref('stg_sales__events') }}
    where {{ loaded_this_run() }}
),

event_catalog as (
    select * from {{ ref('event_catalog') }}
),

unioned as (
    select * from marketing_events
    union all
    select * from sales_events
),

final as (
    select
        unioned.event_id,
        unioned.event_type,
        unioned.arrived_in_stream,
        event_catalog.stream as catalog_stream
    from unioned
    left join event_catalog
        on unioned.event_type = event_catalog.event_type
    where event_catalog.stream is null or event_catalog.stream <> unioned.arrived_in_stream
)

select * from final
