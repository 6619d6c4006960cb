{#- Credited conversions and attributed revenue per attribution model, stage, touch channel
    and conversion month: stage_attribution summed to the grain the attribution dashboards
    read, so a BI tool reads a few thousand rows instead of one row per conversion, touch
    and model. Sums of credits and revenue over months give the all-time totals exactly.

    Summed straight from conversion_touches, one sum per entry of its credit list (entry n
    is the n-th key of the attribution_models seed, as conversion_touches writes it; each
    sum is labelled with the key its entries carry), and only the few hundred sums are
    unnested into one row per model: the same exact decimal sums as grouping
    stage_attribution, without expanding every touch into a row per model first (at 10M
    events, 36M rows). -#}
{%- set model_keys = seed_values('attribution_models', 'attribution_model_key') %}
with

conversion_touches as (
    select * from {{ ref('conversion_touches') }}
),

grouped as (
    select
        cast({{ dbt.date_trunc('month', 'converted_at') }} as date) as conversion_month,
        stage_key,
        channel,
        count(*) as credited_touches_count,
        [
            {%- for _ in model_keys %}
            {%- set credit = 'attribution_credits[' ~ loop.index ~ ']' %}
            {
                'attribution_model_key': any_value({{ credit }}.attribution_model_key),
                'credited_conversions': sum({{ credit }}.attribution_credit),
                'attributed_revenue_usd': sum({{ credit }}.attributed_revenue_usd)
            },
            {%- endfor %}
        ] as model_totals
    from conversion_touches
    group by
        {{ dbt.date_trunc('month', 'converted_at') }},
        stage_key,
        channel
),

per_model as (
    {#- One row per list entry, its fields as columns (a recursive unnest names them). -#}
    select
        grouped.*,
        unnest(grouped.model_totals, recursive := true)  -- noqa: AL03
    from grouped
),

final as (
    select
        cast(conversion_month as date) as conversion_month,
        cast(attribution_model_key as varchar) as attribution_model_key,
        cast(stage_key as varchar) as stage_key,
        cast(channel as varchar) as channel,
        cast(credited_touches_count as bigint) as credited_touches_count,
        cast(credited_conversions as decimal(18, 6)) as credited_conversions,
        cast(attributed_revenue_usd as decimal(18, 2)) as attributed_revenue_usd
    from per_model
)

select * from final
