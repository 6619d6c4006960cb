{{ config(severity='error', tags=['integrity'], meta={'rule_key': 'journey_never_backwards'}) }}
{#- A journey only moves to an earlier stage (lower stage_order) through a transition the
    stage_transitions seed allows (a recycled lead returning as an MQL). A move is from the
    stage a journey is in after one entering event to the stage after the next one. -#}
with

entries as (
    select * from {{ ref('int_stage_entries_derived') }}
),

transitions as (
    select * from {{ ref('stage_transitions') }}
),

event_stages as (
    {#- The stage a journey is in after each entering event: the highest entered by it
        (an MQL return also re-enters the lead stage at the same event). -#}
    select
        journey_key,
        event_sequence_number,
        event_id,
        stage_key,
        stage_order,
        row_number() over (
            partition by journey_key, event_sequence_number order by stage_order desc
        ) as stage_rank
    from entries
),

moves as (
    select
        journey_key,
        event_id,
        stage_key as from_stage,
        stage_order as from_stage_order,
        lead(stage_key) over (
            partition by journey_key order by event_sequence_number
        ) as to_stage,
        lead(stage_order) over (
            partition by journey_key order by event_sequence_number
        ) as to_stage_order,
        lead(event_id) over (
            partition by journey_key order by event_sequence_number
        ) as to_event_id
    from event_stages
    where stage_rank = 1
),

final as (
    select moves.*
    from moves
    left join transitions
        on
            moves.from_stage = transitions.from_stage
            and moves.to_stage = transitions.to_stage
    where moves.to_stage_order < moves.from_stage_order and transitions.to_stage is null
)

select * from final
