{#- Credited conversions and attributed revenue per attribution model, stage, touch channel
    and conversion month: stage_attribution summed to the grain the attribution dashboards
    read, so a BI tool reads a few thousand rows instead of one row per conversion, touch
    and model. Sums of credits and revenue over months give the all-time totals exactly.
    A table: one grouped pass over stage_attribution (a view unnesting the credit lists of
    conversion_touches) costs less than tracking which months the day's re-derived journeys
    moved rows out of. -#}
with

attribution as (
    select * from {{ ref('stage_attribution') }}
),

final as (
    select
        cast({{ dbt.date_trunc('month', 'converted_at') }} as date) as conversion_month,
        cast(attribution_model_key as varchar) as attribution_model_key,
        cast(stage_key as varchar) as stage_key,
        cast(channel as varchar) as channel,
        cast(count(*) as bigint) as credited_touches_count,
        cast(sum(attribution_credit) as decimal(18, 6)) as credited_conversions,
        cast(sum(attributed_revenue_usd) as decimal(18, 2)) as attributed_revenue_usd
    from attribution
    group by
        {{ dbt.date_trunc('month', 'converted_at') }},
        attribution_model_key,
        stage_key,
        channel
)

select * from final
