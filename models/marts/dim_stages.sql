with

stages as (
    select * from {{ ref('funnel_stages') }}
),

slas as (
    select * from {{ ref('stage_slas') }}
),

final as (
    select
        cast(stages.stage_key as varchar) as stage_key,
        cast(stages.stage_name as varchar) as stage_name,
        cast(stages.stage_order as integer) as stage_order,
        cast(stages.owning_team as varchar) as owning_team,
        cast(stages.is_exit as boolean) as is_exit,
        cast(stages.is_terminal as boolean) as is_terminal,
        cast(stages.starts_new_cycle as boolean) as starts_new_cycle,
        cast(stages.definition as varchar) as definition,
        cast(stages.entry_rule as varchar) as entry_rule,
        cast(slas.sla_key as varchar) as sla_key,
        cast(slas.sla_hours as integer) as sla_hours
    from stages
    left join slas
        on stages.stage_key = slas.from_stage
)

select * from final
