{#- The stages and SLA the agreed rules refer to, found in the seeds by their meaning,
    never by name: the handoff is the SLA clocked from an event; the accepted stage is the
    forward step out of the handed-off stage; the opportunity stage is the first stage an
    opportunity-level event enters; the won stage is the forward step out of it. -#}
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

event_catalog as (
    select * from {{ ref('event_catalog') }}
),

journey_events as (
    select * from {{ ref('fct_customer_journey') }}
),

handoff_sla as (
    select
        slas.sla_key as handoff_sla_key,
        slas.clock_starts_event_type as handoff_event_type,
        slas.from_stage as handoff_stage_key,
        stages.stage_order as handoff_stage_order,
        slas.sla_hours as handoff_sla_hours
    from slas
    inner join stages
        on slas.from_stage = stages.stage_key
    where slas.clock_starts_event_type is not null
),

accepted_stage as (
    select
        transitions.to_stage as accepted_stage_key,
        stages.stage_order as accepted_stage_order
    from transitions
    inner join handoff_sla
        on transitions.from_stage = handoff_sla.handoff_stage_key
    inner join stages
        on transitions.to_stage = stages.stage_key
    where transitions.transition_type = 'forward'
),

opportunity_level_stages as (
    select
        stages.stage_key,
        stages.stage_order,
        row_number() over (order by stages.stage_order) as stage_rank
    from event_catalog
    inner join stages
        on event_catalog.enters_stage = stages.stage_key
    where
        event_catalog.required_fields like '%opportunity_id%'
        and not stages.is_exit
),

opportunity_stage as (
    select
        stage_key as opportunity_stage_key,
        stage_order as opportunity_stage_order
    from opportunity_level_stages
    where stage_rank = 1
),

won_stage as (
    select transitions.to_stage as won_stage_key
    from transitions
    inner join opportunity_stage
        on transitions.from_stage = opportunity_stage.opportunity_stage_key
    where transitions.transition_type = 'forward'
),

data_end as (
    select max(occurred_at) as data_as_of
    from journey_events
),

final as (
    select
        handoff_sla.*,
        accepted_stage.*,
        opportunity_stage.*,
        won_stage.*,
        data_end.data_as_of
    from handoff_sla
    cross join accepted_stage
    cross join opportunity_stage
    cross join won_stage
    cross join data_end
)

select * from final
