{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_scoped_journeys() }}",
    )
}}
{#- Each journey's time from its first entry into one stage to its first entry into a later
    stage (higher stage order) at or after it: stage_to_stage_durations takes the counts,
    quantiles and means of these, per pair of stages, without pairing every journey's
    stage entries again on every run.

    Incremental like the journey facts: a row depends on its own journey's stage entries
    alone, so the journeys int_journeys_scoped re-derives this run are deleted (pre-hook)
    and derived again in full, and the result equals a full refresh. -#}
with

all_stage_entries as (
    select * from {{ ref('fct_journey_stage_entries') }}
),

stage_entries as (
    select
        all_stage_entries.journey_key,
        all_stage_entries.stage_key,
        all_stage_entries.stage_order,
        all_stage_entries.entered_at
    from all_stage_entries
    {{ join_scoped_journeys('all_stage_entries.journey_key') }}
),

first_entries as (
    select
        journey_key,
        stage_key,
        min(stage_order) as stage_order,
        min(entered_at) as first_entered_at
    from stage_entries
    group by journey_key, stage_key
),

pairs as (
    select
        first_entries.journey_key,
        first_entries.stage_key as from_stage_key,
        first_entries.stage_order as from_stage_order,
        later_entries.stage_key as to_stage_key,
        later_entries.stage_order as to_stage_order,
        first_entries.first_entered_at as from_entered_at,
        min(later_entries.entered_at) as to_entered_at
    from first_entries
    inner join stage_entries as later_entries
        on
            first_entries.journey_key = later_entries.journey_key
            and first_entries.stage_order < later_entries.stage_order
            and first_entries.first_entered_at <= later_entries.entered_at
    group by
        first_entries.journey_key,
        first_entries.stage_key,
        first_entries.stage_order,
        later_entries.stage_key,
        later_entries.stage_order,
        first_entries.first_entered_at
),

final as (
    select
        cast(journey_key as varchar) as journey_key,
        cast(from_stage_key as varchar) as from_stage_key,
        cast(from_stage_order as integer) as from_stage_order,
        cast(to_stage_key as varchar) as to_stage_key,
        cast(to_stage_order as integer) as to_stage_order,
        cast({{ days_between('from_entered_at', 'to_entered_at') }} as double)
            as days_between_stages
    from pairs
)

select * from final

-- depends_on: {{ ref('int_journeys_scoped') }}
