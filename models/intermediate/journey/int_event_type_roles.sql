{#- The role each event type plays, found in the event catalog and the stage roles, never
    by name: an event type is opportunity-level when the catalog requires an opportunity_id
    for it. An opportunity-level event creates an opportunity when it enters the pipeline
    stage, wins it when it enters the won stage, loses it when it enters a loss outcome, and
    closes it when it wins or loses it; it makes its opportunity known when it enters any
    forward stage. The handoff is the event that starts the handoff SLA's clock; sales
    answers it by accepting (entering the accepted stage) or rejecting (an event whose stage
    comes from the rejection reason). The singular data tests and the quality models read
    these roles here. -#}
with

event_catalog as (
    select * from {{ ref('event_catalog') }}
),

stage_roles as (
    select * from {{ ref('int_stage_roles') }}
),

handoff_event_types as (
    select distinct sla_clock_starts_event_type as event_type
    from stage_roles
    where is_handoff_stage
),

classified as (
    select
        event_catalog.event_type,
        event_catalog.enters_stage,
        '|' || coalesce(event_catalog.required_fields, '') || '|' like '%|opportunity_id|%'
            as is_opportunity_level,
        coalesce(entered_roles.is_forward_stage, false) as enters_forward_stage,
        coalesce(entered_roles.is_pipeline_stage, false) as enters_pipeline_stage,
        coalesce(entered_roles.is_won_stage, false) as enters_won_stage,
        coalesce(entered_roles.is_loss_outcome, false) as enters_loss_outcome,
        coalesce(entered_roles.is_accepted_stage, false) as enters_accepted_stage,
        coalesce(event_catalog.stage_from_reason, false) as is_stage_from_reason,
        handoff_event_types.event_type is not null as is_handoff
    from event_catalog
    left join stage_roles as entered_roles
        on event_catalog.enters_stage = entered_roles.stage_key
    left join handoff_event_types
        on event_catalog.event_type = handoff_event_types.event_type
),

final as (
    select
        cast(event_type as varchar) as event_type,
        cast(enters_stage as varchar) as enters_stage,
        cast(is_opportunity_level as boolean) as is_opportunity_level,
        cast(is_opportunity_level and enters_forward_stage as boolean)
            as makes_opportunity_known,
        cast(is_opportunity_level and enters_pipeline_stage as boolean)
            as is_opportunity_creation,
        cast(is_opportunity_level and enters_won_stage as boolean) as is_deal_win,
        cast(is_opportunity_level and enters_loss_outcome as boolean) as is_deal_loss,
        cast(is_opportunity_level and (enters_won_stage or enters_loss_outcome) as boolean)
            as is_deal_closing,
        cast(is_handoff as boolean) as is_handoff,
        cast(enters_accepted_stage as boolean) as is_handoff_acceptance,
        cast(is_stage_from_reason as boolean) as is_handoff_rejection
    from classified
)

select * from final
