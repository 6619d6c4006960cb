{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook=[
            "{{ delete_scoped_journeys() }}",
            "{% if is_incremental() %}delete from {{ this }} where not is_answered{% endif %}",
        ],
    )
}}
{#- Every handoff of a lead from marketing to sales, and how sales answered it.
    The answer is the first event after the handoff (and before the journey's next handoff)
    that accepts the lead (moves the journey forward out of the handed-off stage) or
    rejects it (moves it out through a reason). The lead met the lead rule at the handoff
    when the journey was then in the handed-off stage or a later one that is not an exit.

    Incremental: an answered handoff depends only on its own journey, so it is re-derived
    only when int_journeys_scoped re-derives the journey (first pre-hook); an unanswered
    one depends on the end of the data too (due, breached, hours over the SLA), so every
    unanswered handoff is deleted (second pre-hook) and measured again on every run. The
    run derives the journeys with a handoff that has no row (those two kinds) and inserts
    exactly the missing handoffs, so each handoff is inserted once. -#}
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

{% if is_incremental() -%}
previous_handoffs as not materialized (
    select * from {{ this }}
),

journeys_missing_handoffs as (
    select distinct all_journey_events.journey_key
    from all_journey_events
    inner join event_type_roles as handoff_types
        on all_journey_events.event_type = handoff_types.event_type
    where
        handoff_types.is_handoff
        and all_journey_events.event_id not in (
            select previous_handoffs.handoff_event_id from previous_handoffs
        )
),

journey_events as (
    select all_journey_events.*
    from all_journey_events
    inner join journeys_missing_handoffs
        on all_journey_events.journey_key = journeys_missing_handoffs.journey_key
),
{%- else -%}
    journey_events as (
        select * from all_journey_events
    ),
{%- endif %}

handoff_stage as (
    select * from stage_roles
    where is_handoff_stage
),

data_end as (
    select max(occurred_at) as data_as_of
    from all_journey_events
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
    {%- if is_incremental() %}
    where
        handoff_event_id not in (
            select previous_handoffs.handoff_event_id from previous_handoffs
        )
    {%- endif %}
)

select * from final

-- depends_on: {{ ref('int_journeys_scoped') }}
