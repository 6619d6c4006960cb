{#- The role each stage plays, found in the shared definitions by meaning, never by name:
    the forward stages are the stages that are not exits; the first stage is the forward
    stage with the lowest stage order, the won stage the one with the highest, and the
    pipeline (opportunity) stage the forward stage just before the won stage. The handoff
    stage is the stage whose SLA is clocked from an event (the handoff), and the accepted
    stage the next forward stage after it. Loss and churn outcomes are the exits an allowed
    transition leads to from the pipeline and the won stage; recycle outcomes the exits that
    start a new cycle. The SLA that applies while a journey is in the stage comes with it.
    Every consumer (dim_stages, the marts, the quality models, the data tests) reads the
    roles here. -#}
with

stages as (
    select * from {{ ref('funnel_stages') }}
),

slas as (
    select * from {{ ref('stage_slas') }}
),

transitions as (
    select * from {{ ref('stage_transitions') }}
),

forward_stages as (
    select
        stage_key,
        stage_order,
        lead(stage_key) over (order by stage_order) as next_forward_stage_key
    from stages
    where not is_exit
),

bounds as (
    select
        min(stage_order) as first_stage_order,
        max(stage_order) as won_stage_order
    from forward_stages
),

pipeline_stage as (
    select max(forward_stages.stage_order) as pipeline_stage_order
    from forward_stages
    cross join bounds
    where forward_stages.stage_order < bounds.won_stage_order
),

named_roles as (
    select
        stages.stage_key,
        stages.stage_order = bounds.won_stage_order as is_won_stage,
        stages.stage_order = pipeline_stage.pipeline_stage_order as is_pipeline_stage
    from stages
    cross join bounds
    cross join pipeline_stage
),

handoff_stages as (
    select distinct from_stage as stage_key
    from slas
    where clock_starts_event_type is not null
),

accepted_stages as (
    select distinct forward_stages.next_forward_stage_key as stage_key
    from forward_stages
    inner join handoff_stages
        on forward_stages.stage_key = handoff_stages.stage_key
),

exit_outcomes as (
    select
        transitions.to_stage as stage_key,
        {{ dbt.bool_or('from_roles.is_pipeline_stage') }} as is_loss_outcome,
        {{ dbt.bool_or('from_roles.is_won_stage') }} as is_churn_outcome
    from transitions
    inner join named_roles as from_roles
        on transitions.from_stage = from_roles.stage_key
    inner join stages as to_stages
        on transitions.to_stage = to_stages.stage_key
    where to_stages.is_exit
    group by transitions.to_stage
),

final as (
    select
        cast(stages.stage_key as varchar) as stage_key,
        cast(stages.stage_order as integer) as stage_order,
        cast(stages.is_exit as boolean) as is_exit,
        cast(not stages.is_exit as boolean) as is_forward_stage,
        cast(stages.stage_order = bounds.first_stage_order as boolean) as is_first_stage,
        cast(handoff_stages.stage_key is not null as boolean) as is_handoff_stage,
        cast(accepted_stages.stage_key is not null as boolean) as is_accepted_stage,
        cast(named_roles.is_pipeline_stage as boolean) as is_pipeline_stage,
        cast(named_roles.is_won_stage as boolean) as is_won_stage,
        cast(coalesce(exit_outcomes.is_loss_outcome, false) as boolean) as is_loss_outcome,
        cast(coalesce(exit_outcomes.is_churn_outcome, false) as boolean) as is_churn_outcome,
        cast(stages.starts_new_cycle as boolean) as is_recycle_outcome,
        cast(forward_stages.next_forward_stage_key as varchar) as next_forward_stage_key,
        cast(slas.sla_key as varchar) as sla_key,
        cast(slas.sla_hours as integer) as sla_hours,
        cast(slas.clock_starts_event_type as varchar) as sla_clock_starts_event_type
    from stages
    cross join bounds
    inner join named_roles
        on stages.stage_key = named_roles.stage_key
    left join exit_outcomes
        on stages.stage_key = exit_outcomes.stage_key
    left join forward_stages
        on stages.stage_key = forward_stages.stage_key
    left join handoff_stages
        on stages.stage_key = handoff_stages.stage_key
    left join accepted_stages
        on stages.stage_key = accepted_stages.stage_key
    left join slas
        on stages.stage_key = slas.from_stage
)

select * from final
