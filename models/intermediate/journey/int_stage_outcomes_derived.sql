{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_scoped_journeys() }}",
    )
}}
{#- What became of each journey after it entered each forward stage: whether it moved on to
    a forward stage, how soon at the soonest, and whether it reached the won stage.
    funnel_conversion_by_cohort counts these per cohort group, without going through every
    stage entry again on every run. The conversion window is not applied here but in the
    mart (against the soonest move on), so a change to the reporting_windows seed shows on
    the next run.

    Incremental like the journey facts: a row depends on its own journey's stage entries
    alone, so the journeys int_journeys_scoped re-derives this run are deleted (pre-hook)
    and derived again in full, and the result equals a full refresh. -#}
with

roles as (
    select * from {{ ref('int_stage_roles') }}
),

forward_entries as (
    {{ forward_stage_entries() }}
),

won_entries as (
    {#- The won stage is a forward stage. -#}
    select
        journey_key,
        max(entered_at) as won_at
    from forward_entries
    where is_won_stage
    group by journey_key
),

moves_on as (
    select
        forward_entries.journey_key,
        forward_entries.stage_key,
        forward_entries.entered_at,
        next_roles.is_forward_stage as is_moved_on,
        case
            when next_roles.is_forward_stage
                then {{ days_between(
                    'forward_entries.entered_at', 'forward_entries.next_stage_entered_at'
                ) }}
        end as days_to_move_on
    from forward_entries
    left join roles as next_roles
        on forward_entries.next_stage_key = next_roles.stage_key
),

journey_stages as (
    select
        journey_key,
        stage_key,
        min(entered_at) as first_entered_at,
        {{ dbt.bool_or('coalesce(is_moved_on, false)') }} as is_moved_on,
        min(days_to_move_on) as soonest_days_to_move_on
    from moves_on
    group by journey_key, stage_key
),

final as (
    select
        cast(journey_stages.journey_key as varchar) as journey_key,
        cast(journey_stages.stage_key as varchar) as stage_key,
        cast(journey_stages.is_moved_on as boolean) as is_moved_on,
        cast(journey_stages.soonest_days_to_move_on as double) as soonest_days_to_move_on,
        cast(coalesce(won_entries.won_at >= journey_stages.first_entered_at, false) as boolean)
            as has_reached_won
    from journey_stages
    left join won_entries
        on journey_stages.journey_key = won_entries.journey_key
)

select * from final

-- depends_on: {{ ref('int_journeys_scoped') }}
