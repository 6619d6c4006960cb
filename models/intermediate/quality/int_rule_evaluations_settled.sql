{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_scoped_journeys() }}",
    )
}}
{#- Every evaluation of an agreed business rule whose verdict is settled by its journey's
    own events: the lead rule at each handoff, the reason of each rejection, whether each
    MQL was handed off, whether each opportunity came from an accepted (or sales-sourced)
    lead, and whether each won deal carries an amount. rule_evaluations adds the SLA rules,
    whose verdicts move with the end of the data, and the rule's severity and owner.

    Incremental by journey: every row depends only on its journey's events, stage entries
    and handoffs, so a run deletes and derives again the journeys int_journeys_scoped
    re-derives (pre-hook), and the result equals a full refresh. -#}
with

all_handoffs as not materialized (
    select * from {{ ref('handoff_responses') }}
),

all_stage_entries as not materialized (
    select * from {{ ref('fct_journey_stage_entries') }}
),

all_journey_events as not materialized (
    select * from {{ ref('fct_customer_journey') }}
),

handoffs as {{ inlined_on_full_build() }} (
    {#- This run's journeys, each read by several steps below: kept once. -#}
    select all_handoffs.*
    from all_handoffs
    {{ join_scoped_journeys('all_handoffs.journey_key') }}
),

stage_entries as {{ inlined_on_full_build() }} (
    select all_stage_entries.*
    from all_stage_entries
    {{ join_scoped_journeys('all_stage_entries.journey_key') }}
),

journey_events as {{ inlined_on_full_build() }} (
    {#- Only the columns read below. -#}
    select
        all_journey_events.event_id,
        all_journey_events.journey_key,
        all_journey_events.person_key,
        all_journey_events.owner_id,
        all_journey_events.event_type,
        all_journey_events.occurred_at,
        all_journey_events.opportunity_id,
        all_journey_events.amount
    from all_journey_events
    {{ join_scoped_journeys('all_journey_events.journey_key', 'all_journey_events.derived_at') }}
),

stage_roles as (
    select * from {{ ref('int_stage_roles') }}
),

event_type_roles as (
    select * from {{ ref('int_event_type_roles') }}
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

final as (
    select * from handoff_lead_rule
    union all
    select * from rejection_reasons
    union all
    select * from mqls_handed_off
    union all
    select * from opportunity_origins
    union all
    select * from won_deals
)

select * from final

-- depends_on: {{ ref('int_journeys_scoped') }}
