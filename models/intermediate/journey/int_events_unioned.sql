{{ config(materialized='view') }}
{#- A view: its readers each take only the columns they need (DuckDB drops the rest), and
    the one that takes every column, int_events_identified, materialises the result;
    writing every event a second time here would cost more than it saves. -#}
with

marketing_events as (
    select * from {{ ref('stg_marketing__events') }}
),

sales_events as (
    select * from {{ ref('stg_sales__events') }}
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
        unioned.*,
        event_catalog.stream,
        event_catalog.is_person_level,
        event_catalog.is_identifying,
        event_catalog.is_touch,
        event_catalog.enters_stage,
        event_catalog.stage_from_reason
    from unioned
    inner join event_catalog
        on unioned.event_type = event_catalog.event_type
)

select * from final
