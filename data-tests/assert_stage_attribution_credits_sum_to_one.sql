{#- Every conversion with touches before it gets credits under every attribution model,
    and they sum to one (credits are kept to 6 decimals, hence the tolerance). On an
    incremental run only the journeys this run wrote are checked (rows_written_this_run):
    a conversion's credits all belong to its journey. -#}
with

attribution as (
    select * from {{ ref('stage_attribution') }}
    where {{ rows_written_this_run() }}
),

credits as (
    select
        stage_entry_id,
        attribution_model_key,
        sum(attribution_credit) as total_credit
    from attribution
    group by stage_entry_id, attribution_model_key
),

models as (
    select attribution_model_key from {{ ref('attribution_models') }}
),

attributed_conversions as (
    select distinct stage_entry_id from credits
),

expected as (
    select
        attributed_conversions.stage_entry_id,
        models.attribution_model_key
    from attributed_conversions
    cross join models
),

final as (
    select
        expected.stage_entry_id,
        expected.attribution_model_key,
        credits.total_credit
    from expected
    left join credits
        on
            expected.stage_entry_id = credits.stage_entry_id
            and expected.attribution_model_key = credits.attribution_model_key
    where credits.total_credit is null or abs(credits.total_credit - 1) > 0.00001
)

select * from final
