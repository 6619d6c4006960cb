{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_scoped_journeys() }}",
        post_hook="{{ remeasure_running_clocks('answered_at', 'due_at') }}",
    )
}}
{#- Every handoff of a lead from marketing to sales, and how sales answered it.
    The answer is the first event after the handoff (and before the journey's next handoff)
    that accepts the lead (moves the journey forward out of the handed-off stage) or
    rejects it (moves it out through a reason). The lead met the lead rule at the handoff
    when the journey was then in the handed-off stage or a later one that is not an exit.

    Incremental by journey: every column but the verdict (is_due, is_sla_breached,
    hours_over_sla) depends only on the handoff's own journey, so a run deletes and derives
    again the journeys int_journeys_scoped re-derives (pre-hook). An unanswered handoff's
    verdict also depends on the end of the data, which moves without an event of its own, so
    every unanswered handoff is measured again to the end of the data (post-hook). -#}
with

all_journey_events as not materialized (
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

transitions as (
    select * from {{ ref('stage_transitions') }}
),

lead_rule as (
    select * from {{ ref('lead_rule') }}
),

journey_events as {{ inlined_on_full_build() }} (
    {#- The events of this run's journeys, read by two steps below: kept once, with only
        the columns they read. -#}
    select
        all_journey_events.event_id,
        all_journey_events.journey_key,
        all_journey_events.person_key,
        all_journey_events.account_key,
        all_journey_events.journey_cycle,
        all_journey_events.event_sequence_number,
        all_journey_events.event_type,
        all_journey_events.occurred_at,
        all_journey_events.owner_id,
        all_journey_events.stage_key,
        all_journey_events.fit_score,
        all_journey_events.engagement_score,
        all_journey_events.reason
    from all_journey_events
    {{ join_scoped_journeys('all_journey_events.journey_key', 'all_journey_events.derived_at') }}
),

handoff_stage as (
    select * from stage_roles
    where is_handoff_stage
),

data_end as (
    {{ data_end() }}
),

answer_event_types as (
    select
        event_type,
        is_handoff_rejection
    from event_type_roles
    where is_handoff_acceptance or is_handoff_rejection
),

handoffs as (
    select
        journey_events.event_id as handoff_event_id,
        journey_events.journey_key,
        journey_events.person_key,
        journey_events.account_key,
        journey_events.journey_cycle,
        journey_events.event_sequence_number,
        journey_events.owner_id,
        journey_events.occurred_at as handed_off_at,
        journey_events.stage_key as stage_key_at_handoff,
        journey_events.fit_score as fit_score_at_handoff,
        journey_events.engagement_score as engagement_score_at_handoff,
        lead(journey_events.event_sequence_number) over (
            partition by journey_events.journey_key
            order by journey_events.event_sequence_number
        ) as next_handoff_sequence_number
    from journey_events
    inner join event_type_roles as handoff_types
        on journey_events.event_type = handoff_types.event_type
    where handoff_types.is_handoff
),

answers as (
    select
        handoffs.handoff_event_id,
        journey_events.event_id as answer_event_id,
        journey_events.event_type as answer_event_type,
        journey_events.occurred_at as answered_at,
        journey_events.owner_id as answer_owner_id,
        journey_events.reason as answer_reason,
        answer_event_types.is_handoff_rejection as is_rejection,
        row_number() over (
            partition by handoffs.handoff_event_id
            order by journey_events.event_sequence_number
        ) as answer_number
    from handoffs
    inner join journey_events
        on
            handoffs.journey_key = journey_events.journey_key
            and handoffs.event_sequence_number < journey_events.event_sequence_number
            and coalesce(
                handoffs.next_handoff_sequence_number, journey_events.event_sequence_number + 1
            ) > journey_events.event_sequence_number
    inner join answer_event_types
        on journey_events.event_type = answer_event_types.event_type
),

allowed_reasons as (
    select reasons.reason_key
    from {{ ref('reasons') }} as reasons
    inner join transitions
        on reasons.exit_stage = transitions.to_stage
    inner join handoff_stage
        on transitions.from_stage = handoff_stage.stage_key
    where transitions.transition_type = 'exit'
),

measured as (
    select
        handoffs.*,
        handoff_stage.sla_key,
        handoff_stage.sla_hours,
        {{ dbt.dateadd('hour', 'handoff_stage.sla_hours', 'handoffs.handed_off_at') }}
            as due_at,
        data_end.data_as_of,
        coalesce(
            stage_at_handoff.stage_order >= handoff_stage.stage_order
            and not stage_at_handoff.is_exit,
            false
        ) as met_lead_rule_at_handoff,
        lead_rule.fit_threshold,
        lead_rule.engagement_threshold,
        answers.answer_event_id,
        answers.answer_event_type,
        answers.answered_at,
        answers.answer_owner_id,
        answers.answer_reason,
        coalesce(answers.is_rejection, false) as is_rejection,
        answers.answer_reason is null or allowed_reasons.reason_key is not null
            as is_reason_allowed
    from handoffs
    cross join handoff_stage
    cross join data_end
    cross join lead_rule
    left join stages as stage_at_handoff
        on handoffs.stage_key_at_handoff = stage_at_handoff.stage_key
    left join answers
        on
            handoffs.handoff_event_id = answers.handoff_event_id
            and answers.answer_number = 1
    left join allowed_reasons
        on answers.answer_reason = allowed_reasons.reason_key
),

final as (
    select
        handoff_event_id,
        journey_key,
        person_key,
        account_key,
        journey_cycle,
        owner_id,
        handed_off_at,
        stage_key_at_handoff,
        fit_score_at_handoff,
        engagement_score_at_handoff,
        fit_threshold,
        engagement_threshold,
        met_lead_rule_at_handoff,
        sla_key,
        sla_hours,
        due_at,
        answer_event_id,
        answer_event_type,
        answered_at,
        answer_owner_id,
        answer_reason,
        is_rejection,
        is_reason_allowed,
        answered_at is not null as is_answered,
        {{ hours_between('handed_off_at', 'answered_at') }} as response_hours,
        {{ sla_verdict('answered_at', 'due_at', 'data_as_of') }}
    from measured
)

select * from final

-- depends_on: {{ ref('int_journeys_scoped') }}
