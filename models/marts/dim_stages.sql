{#- The stage dimension: the agreed stage definitions with the SLA and the role of each
    stage, both worked out once in int_stage_roles. -#}
with

stages as (
    select * from {{ ref('funnel_stages') }}
),

stage_roles as (
    select * from {{ ref('int_stage_roles') }}
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
        cast(stage_roles.sla_key as varchar) as sla_key,
        cast(stage_roles.sla_hours as integer) as sla_hours,
        cast(stage_roles.sla_clock_starts_event_type as varchar) as sla_clock_starts_event_type,
        cast(stage_roles.is_forward_stage as boolean) as is_forward_stage,
        cast(stage_roles.is_first_stage as boolean) as is_first_stage,
        cast(stage_roles.is_handoff_stage as boolean) as is_handoff_stage,
        cast(stage_roles.is_accepted_stage as boolean) as is_accepted_stage,
        cast(stage_roles.is_pipeline_stage as boolean) as is_pipeline_stage,
        cast(stage_roles.is_won_stage as boolean) as is_won_stage,
        cast(stage_roles.is_loss_outcome as boolean) as is_loss_outcome,
        cast(stage_roles.is_churn_outcome as boolean) as is_churn_outcome,
        cast(stage_roles.is_recycle_outcome as boolean) as is_recycle_outcome,
        cast(stage_roles.next_forward_stage_key as varchar) as next_forward_stage_key
    from stages
    inner join stage_roles
        on stages.stage_key = stage_roles.stage_key
)

select * from final
