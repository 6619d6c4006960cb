{#- Every evaluation of an agreed business rule: one row per rule and thing it was checked
    on (a handoff, an MQL entry, a rejection, a stage entry with an SLA, an opportunity, a
    won deal), whether it was kept, and if not by how much it was broken. Rule keys and
    severities come from the data_quality_rules seed; items not yet due are not evaluated.
    A table on purpose: the handoff and stage SLA evaluations exist once they are due and
    carry verdicts measured to the end of the data (handoff_responses, stage_sla_clocks), so
    each run adds and changes rows of journeys no new event touched. Splitting the
    per-journey rules into an incremental model is the next step if this grows. -#}
with

handoffs as not materialized (
    select * from {{ ref('handoff_responses') }}
),

stage_clocks as not materialized (
    select * from {{ ref('stage_sla_clocks') }}
),

stage_entries as not materialized (
    select * from {{ ref('fct_journey_stage_entries') }}
),

journey_events as not materialized (
    select * from {{ ref('fct_customer_journey') }}
),

stage_roles as (
    select * from {{ ref('int_stage_roles') }}
),

event_type_roles as (
    select * from {{ ref('int_event_type_roles') }}
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

accepted_stage as (
    select * from stage_roles
    where is_accepted_stage
),

pipeline_stage as (
    select * from stage_roles
    where is_pipeline_stage
),

handoff_lead_rule as (
    select
        'handoff_lead_rule_met' as rule_key,
        cast(null as varchar) as rule_detail,
        'handoff' as entity_type,
        handoff_event_id as entity_id,
        journey_key,
        person_key,
        owner_id,
        handed_off_at as evaluated_at,
        not met_lead_rule_at_handoff as is_breach,
        handed_off_at as breached_at,
        cast(null as double) as breach_size,
        cast(null as varchar) as breach_unit,
        'journey in stage ' || coalesce(stage_key_at_handoff, 'none') || ' at handoff; fit '
        || cast(fit_score_at_handoff as varchar) || '/' || cast(fit_threshold as varchar)
        || ', engagement ' || cast(engagement_score_at_handoff as varchar) || '/'
        || cast(engagement_threshold as varchar) as breach_detail
    from handoffs
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

rejection_reasons as (
    select
        'rejection_reason_allowed' as rule_key,
        answer_reason as rule_detail,
        'rejection' as entity_type,
        answer_event_id as entity_id,
        journey_key,
        person_key,
        coalesce(answer_owner_id, owner_id) as owner_id,
        answered_at as evaluated_at,
        not is_reason_allowed as is_breach,
        answered_at as breached_at,
        cast(null as double) as breach_size,
        cast(null as varchar) as breach_unit,
        'rejected with reason ' || coalesce(answer_reason, 'none') as breach_detail
    from handoffs
    where is_rejection
),

mql_entries as (
    select stage_entries.*
    from stage_entries
    inner join handoff_stage
        on stage_entries.stage_key = handoff_stage.stage_key
),

handed_off_mqls as (
    {#- An MQL is handed off when a handoff follows it in the same journey cycle while the
        lead still meets the lead rule. -#}
    select distinct mql_entries.stage_entry_id
    from mql_entries
    inner join handoffs
        on
            mql_entries.journey_key = handoffs.journey_key
            and mql_entries.journey_cycle = handoffs.journey_cycle
            and mql_entries.entered_at < handoffs.handed_off_at
            and handoffs.met_lead_rule_at_handoff
),

mqls_handed_off as (
    select
        'mql_handed_off' as rule_key,
        cast(null as varchar) as rule_detail,
        'stage_entry' as entity_type,
        mql_entries.stage_entry_id as entity_id,
        mql_entries.journey_key,
        mql_entries.person_key,
        cast(null as varchar) as owner_id,
        mql_entries.entered_at as evaluated_at,
        handed_off_mqls.stage_entry_id is null as is_breach,
        mql_entries.entered_at as breached_at,
        cast(null as double) as breach_size,
        cast(null as varchar) as breach_unit,
        'MQL in journey cycle ' || cast(mql_entries.journey_cycle as varchar)
        || ' never handed off' as breach_detail
    from mql_entries
    left join handed_off_mqls
        on mql_entries.stage_entry_id = handed_off_mqls.stage_entry_id
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

opportunity_entries as (
    select
        stage_entries.*,
        journey_events.owner_id
    from stage_entries
    inner join pipeline_stage
        on stage_entries.stage_key = pipeline_stage.stage_key
    left join journey_events
        on stage_entries.entered_by_event_id = journey_events.event_id
),

accepted_before as (
    {#- Journeys that were in the accepted stage, or a later stage before the opportunity
        (pipeline) stage, earlier in the same cycle. -#}
    select distinct opportunity_entries.stage_entry_id
    from opportunity_entries
    cross join accepted_stage
    cross join pipeline_stage
    inner join stage_entries as earlier
        on
            opportunity_entries.journey_key = earlier.journey_key
            and opportunity_entries.journey_cycle = earlier.journey_cycle
            and opportunity_entries.entered_at >= earlier.entered_at
            and accepted_stage.stage_order <= earlier.stage_order
            and pipeline_stage.stage_order > earlier.stage_order
),

opportunity_origins as (
    select
        'opportunity_from_accepted_lead' as rule_key,
        cast(null as varchar) as rule_detail,
        'stage_entry' as entity_type,
        opportunity_entries.stage_entry_id as entity_id,
        opportunity_entries.journey_key,
        opportunity_entries.person_key,
        opportunity_entries.owner_id,
        opportunity_entries.entered_at as evaluated_at,
        not opportunity_entries.is_sales_sourced and accepted_before.stage_entry_id is null
            as is_breach,
        opportunity_entries.entered_at as breached_at,
        cast(null as double) as breach_size,
        cast(null as varchar) as breach_unit,
        'opportunity created for a marketing lead sales never accepted' as breach_detail
    from opportunity_entries
    left join accepted_before
        on opportunity_entries.stage_entry_id = accepted_before.stage_entry_id
),

won_deals as (
    select
        'won_deal_has_amount' as rule_key,
        cast(null as varchar) as rule_detail,
        'event' as entity_type,
        journey_events.event_id as entity_id,
        journey_events.journey_key,
        journey_events.person_key,
        journey_events.owner_id,
        journey_events.occurred_at as evaluated_at,
        journey_events.amount is null as is_breach,
        journey_events.occurred_at as breached_at,
        cast(null as double) as breach_size,
        cast(null as varchar) as breach_unit,
        'won deal ' || coalesce(journey_events.opportunity_id, '?') || ' has no amount'
            as breach_detail
    from journey_events
    inner join event_type_roles
        on journey_events.event_type = event_type_roles.event_type
    where event_type_roles.is_deal_win
),

evaluations as (
    select * from handoff_lead_rule
    union all
    select * from handoff_sla
    union all
    select * from rejection_reasons
    union all
    select * from mqls_handed_off
    union all
    select * from stage_slas
    union all
    select * from opportunity_origins
    union all
    select * from won_deals
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
