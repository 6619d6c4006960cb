{{ config(materialized='view') }}
{#- Every evaluation of an agreed business rule: one row per rule and thing it was checked
    on (a handoff, an MQL entry, a rejection, a stage entry with an SLA, an opportunity, a
    won deal), whether it was kept, and if not by how much it was broken. Rule keys and
    severities come from the data_quality_rules seed; items not yet due are not evaluated.

    The rules settled by a journey's own events come from int_rule_evaluations_settled
    (incremental by journey). The SLA rules are read here from handoff_responses and
    stage_sla_clocks, whose open clocks are measured to the end of the data on every run, so
    an item becomes due, or its breach grows, without an event of its own. A view: storing
    1.3M evaluations again on every run (at 10M events) cost more than reading them. -#}
with

settled as (
    select * from {{ ref('int_rule_evaluations_settled') }}
),

handoffs as not materialized (
    select * from {{ ref('handoff_responses') }}
),

stage_clocks as not materialized (
    select * from {{ ref('stage_sla_clocks') }}
),

stage_roles as (
    select * from {{ ref('int_stage_roles') }}
),

stages as (
    select * from {{ ref('funnel_stages') }}
),

rules as not materialized (
    select * from {{ ref('data_quality_rules') }}
),

handoff_stage as (
    select * from stage_roles
    where is_handoff_stage
),

handoff_sla as (
    select
        'handoff_response_sla' as rule_key,
        sla_key as rule_detail,
        'handoff' as entity_type,
        handoff_event_id as entity_id,
        journey_key,
        person_key,
        owner_id,
        handed_off_at as evaluated_at,
        is_sla_breached as is_breach,
        due_at as breached_at,
        hours_over_sla as breach_size,
        'hours' as breach_unit,
        case
            when is_answered
                then
                    'answered ' || cast(round(response_hours, 1) as varchar)
                    || ' hours after the handoff; SLA ' || cast(sla_hours as varchar) || ' hours'
            else 'not answered; SLA ' || cast(sla_hours as varchar) || ' hours'
        end as breach_detail
    from handoffs
    where is_due
),

stage_slas as (
    select
        'stage_sla' as rule_key,
        sla_key as rule_detail,
        'stage_entry' as entity_type,
        stage_entry_id as entity_id,
        journey_key,
        person_key,
        owner_id,
        entered_at as evaluated_at,
        is_sla_breached as is_breach,
        due_at as breached_at,
        hours_over_sla as breach_size,
        'hours' as breach_unit,
        case
            when has_left_stage
                then
                    'left ' || stage_key || ' after '
                    || cast(round(hours_in_stage, 1) as varchar) || ' hours'
            else
                'still in ' || stage_key || ' after ' || cast(round(hours_in_stage, 1) as varchar)
                || ' hours'
        end || '; SLA ' || cast(sla_hours as varchar) || ' hours' as breach_detail
    from stage_clocks
    where is_due
),

evaluations as (
    select * from settled
    union all
    select * from handoff_sla
    union all
    select * from stage_slas
),

final as (
    select
        evaluations.rule_key,
        rules.rule_type,
        rules.severity,
        evaluations.rule_detail,
        evaluations.entity_type,
        evaluations.entity_id,
        evaluations.journey_key,
        evaluations.person_key,
        evaluations.owner_id,
        evaluations.evaluated_at,
        cast(evaluations.evaluated_at as date) as evaluated_date,
        evaluations.is_breach,
        evaluations.rule_key || ':' || evaluations.entity_id as evaluation_id,
        coalesce(evaluations.owner_id, 'team:' || coalesce(owner_stages.owning_team, 'unknown'))
            as accountable_owner,
        case when evaluations.is_breach then evaluations.breached_at end as breached_at,
        case when evaluations.is_breach then evaluations.breach_size end as breach_size,
        case when evaluations.is_breach then evaluations.breach_unit end as breach_unit,
        case when evaluations.is_breach then evaluations.breach_detail end as breach_detail
    from evaluations
    left join rules
        on evaluations.rule_key = rules.rule_key
    cross join handoff_stage
    left join stages as owner_stages
        on handoff_stage.stage_key = owner_stages.stage_key
)

select * from final
