{{ config(materialized='view') }}
{#- conversion_touches with its list of credits unnested: one row per conversion, touch and
    attribution model, the grain BI tools group by (credit and revenue per model and channel,
    campaign or content). A view: the credits are stored once per conversion and touch, and
    the rows per model cost nothing to store and are expanded only when read. -#}
with

conversion_touches as (
    select * from {{ ref('conversion_touches') }}
),

credits as (
    {#- One row per list entry, its fields (attribution_model_key, attribution_credit,
        attributed_revenue_usd) as columns: a recursive unnest names them itself. -#}
    select
        conversion_touches.*,
        unnest(conversion_touches.attribution_credits, recursive := true)  -- noqa: AL03
    from conversion_touches
),

final as (
    select
        stage_entry_id,
        attribution_model_key,
        touch_event_id,
        journey_key,
        stage_key,
        converted_at,
        touch_occurred_at,
        campaign_id,
        channel,
        content_id,
        touch_number,
        touches_count,
        is_first_touch,
        is_lead_touch,
        is_last_touch,
        days_before_conversion,
        attribution_credit,
        attributed_revenue_usd
    from credits
)

select * from final
