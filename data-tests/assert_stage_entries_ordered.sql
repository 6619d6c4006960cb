{{ config(severity='error', tags=['integrity'], meta={'rule_key': 'stage_entries_ordered'}) }}
{#- Within a journey cycle, a stage of higher stage_order is never entered before a stage
    of lower order. -#}
with

entries as (
    select * from {{ ref('int_stage_entries_derived') }}
),

final as (
    select
        earlier_stage.journey_key,
        earlier_stage.journey_cycle,
        earlier_stage.stage_key as lower_stage_key,
        earlier_stage.entered_at as lower_stage_entered_at,
        later_stage.stage_key as higher_stage_key,
        later_stage.entered_at as higher_stage_entered_at
    from entries as earlier_stage
    inner join entries as later_stage
        on
            earlier_stage.journey_key = later_stage.journey_key
            and earlier_stage.journey_cycle = later_stage.journey_cycle
            and earlier_stage.stage_order < later_stage.stage_order
    where earlier_stage.entered_at > later_stage.entered_at
)

select * from final
