{#- Under every attribution model of the seed, every touch of a conversion is credited once
    and the conversion's credits sum to one (credits are kept to 6 decimals, hence the
    tolerance); no credit names a model outside the seed. On an incremental run only the
    journeys this run wrote are checked (rows_written_this_run): a conversion's credits all
    belong to its journey. -#}
with

attribution as (
    select * from {{ ref('stage_attribution') }}
    where {{ rows_written_this_run() }}
),

conversion_touches as (
    select * from {{ ref('conversion_touches') }}
    where {{ rows_written_this_run() }}
),

models as (
    select attribution_model_key from {{ ref('attribution_models') }}
),

credits as (
    select
        stage_entry_id,
        attribution_model_key,
        count(*) as credited_touches_count,
        sum(attribution_credit) as total_credit
    from attribution
    group by stage_entry_id, attribution_model_key
),

conversions as (
    select
        stage_entry_id,
        count(*) as touches_count
    from conversion_touches
    group by stage_entry_id
),

expected as (
    select
        conversions.stage_entry_id,
        conversions.touches_count,
        models.attribution_model_key
    from conversions
    cross join models
),

final as (
    select
        expected.touches_count,
        credits.credited_touches_count,
        credits.total_credit,
        coalesce(expected.stage_entry_id, credits.stage_entry_id) as stage_entry_id,
        coalesce(expected.attribution_model_key, credits.attribution_model_key)
            as attribution_model_key
    from expected
    full outer join credits
        on
            expected.stage_entry_id = credits.stage_entry_id
            and expected.attribution_model_key = credits.attribution_model_key
    where
        expected.stage_entry_id is null
        or credits.stage_entry_id is null
        or credits.credited_touches_count != expected.touches_count
        or abs(credits.total_credit - 1) > 0.00001
)

select * from final
