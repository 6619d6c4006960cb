{#- Per stage, the journeys counted over all groups equal the distinct journeys that
    entered the stage (each journey is in exactly one group), and the counts nest:
    within window <= moved on <= entered, reached won <= entered. -#}
with

conversion as (
    select * from {{ ref('funnel_conversion_by_cohort') }}
),

entries as (
    select * from {{ ref('fct_journey_stage_entries') }}
),

roles as (
    select * from {{ ref('int_stage_roles') }}
),

entered as (
    select
        entries.stage_key,
        count(distinct entries.journey_key) as journeys_count
    from entries
    inner join roles
        on entries.stage_key = roles.stage_key
    where roles.is_forward_stage
    group by entries.stage_key
),

totals as (
    select
        stage_key,
        sum(journeys_entered_count) as journeys_entered_count
    from conversion
    group by stage_key
),

count_mismatches as (
    select entered.stage_key
    from entered
    full outer join totals
        on entered.stage_key = totals.stage_key
    where coalesce(entered.journeys_count, -1) <> coalesce(totals.journeys_entered_count, -1)
),

nesting_breaks as (
    select stage_key
    from conversion
    where
        journeys_moved_on_within_window_count > journeys_moved_on_count
        or journeys_moved_on_count > journeys_entered_count
        or journeys_reached_won_count > journeys_entered_count
),

final as (
    select
        stage_key,
        'count_mismatch' as failure
    from count_mismatches
    union all
    select
        stage_key,
        'counts_do_not_nest' as failure
    from nesting_breaks
)

select * from final
