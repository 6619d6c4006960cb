{#- hours_in_stage, once for the select below and the post-hook (where data_as_of is the
    end of the data). dbt renders hooks apart from the model, so the hook gets it as text. -#}
{%- set hours_in_stage = hours_between('entered_at', 'coalesce(left_at, data_as_of)') -%}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_scoped_journeys() }}",
        post_hook="{{ remeasure_running_clocks('left_at', 'due_at', "
            ~ tojson({'hours_in_stage': hours_in_stage}) ~ ") }}",
    )
}}
{#- Every entry into a stage whose SLA is clocked from the stage entry (stage_slas without
    a clock-starting event), with how long the journey stayed and whether that broke the
    SLA. A journey still in the stage breaks it once the SLA has run out by the end of the
    data.

    Incremental by journey: every column but the measures (hours_in_stage and the verdict)
    depends only on the entry's own journey, so a run deletes and derives again the
    journeys int_journeys_scoped re-derives (pre-hook). A clock still running is measured to
    the end of the data, which moves without an event of its own, so every running clock is
    measured again on every run (post-hook). -#}
with

all_stage_entries as not materialized (
    select * from {{ ref('fct_journey_stage_entries') }}
),

stage_entries as (
    select all_stage_entries.*
    from all_stage_entries
    {{ join_scoped_journeys('all_stage_entries.journey_key') }}
),

journey_events as not materialized (
    select * from {{ ref('fct_customer_journey') }}
),

slas as (
    select * from {{ ref('stage_slas') }}
),

stages as (
    select * from {{ ref('funnel_stages') }}
),

data_end as (
    {{ data_end() }}
),

clocked as (
    select
        stage_entries.stage_entry_id,
        stage_entries.journey_key,
        stage_entries.person_key,
        stage_entries.account_key,
        stage_entries.journey_cycle,
        stage_entries.stage_key,
        stages.owning_team,
        entering_events.owner_id,
        stage_entries.entered_at,
        stage_entries.next_stage_key,
        stage_entries.next_stage_entered_at as left_at,
        slas.sla_key,
        slas.sla_hours,
        {{ dbt.dateadd('hour', 'slas.sla_hours', 'stage_entries.entered_at') }} as due_at,
        data_end.data_as_of
    from stage_entries
    inner join slas
        on stage_entries.stage_key = slas.from_stage
    inner join stages
        on stage_entries.stage_key = stages.stage_key
    left join journey_events as entering_events
        on stage_entries.entered_by_event_id = entering_events.event_id
    cross join data_end
    where slas.clock_starts_event_type is null
),

final as (
    select
        stage_entry_id,
        journey_key,
        person_key,
        account_key,
        journey_cycle,
        stage_key,
        owning_team,
        owner_id,
        entered_at,
        next_stage_key,
        left_at,
        sla_key,
        sla_hours,
        due_at,
        left_at is not null as has_left_stage,
        {{ hours_in_stage }} as hours_in_stage,
        {{ sla_verdict('left_at', 'due_at', 'data_as_of') }}
    from clocked
)

select * from final

-- depends_on: {{ ref('int_journeys_scoped') }}
