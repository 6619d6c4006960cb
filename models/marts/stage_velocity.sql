{#- How long journeys stay in each stage, how many leave it forward, how many are stuck in
    it now, and which stage has the largest drop-off and the longest dwell. -#}
with

stage_entries as (
    select * from {{ ref('fct_journey_stage_entries') }}
),

stage_spells as (
    select * from {{ ref('int_stage_spells_derived') }}
),

conversion as (
    select * from {{ ref('funnel_conversion_by_cohort') }}
),

stalled as (
    select * from {{ ref('stalled_journeys') }}
),

roles as (
    select * from {{ ref('int_stage_roles') }}
),

dwell_times as (
    select
        stage_key,
        count(*) as stage_entries_count,
        count(next_stage_entered_at) as completed_entries_count,
        {{ percentile_value(days_between('entered_at', 'next_stage_entered_at'), 0.5) }}
            as median_days_in_stage,
        {{ percentile_value(days_between('entered_at', 'next_stage_entered_at'), 0.9) }}
            as p90_days_in_stage,
        {{ exact_average(days_between('entered_at', 'next_stage_entered_at')) }}
            as average_days_in_stage
    from stage_entries
    group by stage_key
),

current_counts as (
    {#- A journey is in the stage of its open spell: the stage of its latest event with one. -#}
    select
        stage_key,
        count(*) as journeys_in_stage_count
    from stage_spells
    where spell_end_date is null
    group by stage_key
),

stalled_counts as (
    select
        stage_key,
        count(*) as stalled_journeys_count
    from stalled
    group by stage_key
),

conversion_totals as (
    select
        stage_key,
        sum(journeys_entered_count) as journeys_entered_count,
        sum(journeys_moved_on_count) as journeys_moved_on_count
    from conversion
    group by stage_key
),

measured as (
    select
        roles.stage_key,
        roles.stage_order,
        dwell_times.median_days_in_stage,
        dwell_times.p90_days_in_stage,
        dwell_times.average_days_in_stage,
        conversion_totals.journeys_entered_count,
        conversion_totals.journeys_moved_on_count,
        roles.next_forward_stage_key is not null as can_move_on,
        coalesce(dwell_times.stage_entries_count, 0) as stage_entries_count,
        coalesce(dwell_times.completed_entries_count, 0) as completed_entries_count,
        coalesce(current_counts.journeys_in_stage_count, 0) as journeys_in_stage_count,
        coalesce(stalled_counts.stalled_journeys_count, 0) as stalled_journeys_count,
        case
            when roles.next_forward_stage_key is not null
                then
                    1 - conversion_totals.journeys_moved_on_count * 1.0
                    / conversion_totals.journeys_entered_count
        end as drop_off_rate
    from roles
    left join dwell_times
        on roles.stage_key = dwell_times.stage_key
    left join current_counts
        on roles.stage_key = current_counts.stage_key
    left join stalled_counts
        on roles.stage_key = stalled_counts.stage_key
    left join conversion_totals
        on roles.stage_key = conversion_totals.stage_key
),

ranked as (
    select
        *,
        case
            when drop_off_rate is not null
                then row_number() over (
                    partition by drop_off_rate is not null
                    order by drop_off_rate desc, stage_order asc
                )
        end as drop_off_rank,
        case
            when can_move_on and median_days_in_stage is not null
                then row_number() over (
                    partition by can_move_on and median_days_in_stage is not null
                    order by median_days_in_stage desc, stage_order asc
                )
        end as dwell_rank
    from measured
),

final as (
    select
        cast(stage_key as varchar) as stage_key,
        cast(stage_order as integer) as stage_order,
        cast(stage_entries_count as bigint) as stage_entries_count,
        cast(completed_entries_count as bigint) as completed_entries_count,
        cast(median_days_in_stage as double) as median_days_in_stage,
        cast(p90_days_in_stage as double) as p90_days_in_stage,
        cast(average_days_in_stage as double) as average_days_in_stage,
        cast(journeys_in_stage_count as bigint) as journeys_in_stage_count,
        cast(stalled_journeys_count as bigint) as stalled_journeys_count,
        cast(journeys_entered_count as bigint) as journeys_entered_count,
        cast(journeys_moved_on_count as bigint) as journeys_moved_on_count,
        cast(drop_off_rate as double) as drop_off_rate,
        cast(coalesce(drop_off_rank = 1, false) as boolean) as is_largest_drop_off,
        cast(coalesce(dwell_rank = 1, false) as boolean) as is_longest_dwell
    from ranked
)

select * from final
