{#- The funnel as it stood at the end of every day, rebuilt from the event log: each
    journey's stage after its last event on or before that day. A journey's stage changes
    only at events, so each stage spell adds one journey to its stage on the day it starts
    and removes it on the day the next spell starts; a running sum of those changes gives
    the number of journeys in each stage on each day. The spells are kept per journey by
    int_stage_spells_derived, which a run derives again only for the journeys it touched. -#}
with

stage_entries as (
    select * from {{ ref('fct_journey_stage_entries') }}
),

stage_spells as (
    select * from {{ ref('int_stage_spells_derived') }}
),

dates as (
    select * from {{ ref('dim_dates') }}
),

stages as (
    select * from {{ ref('funnel_stages') }}
),

daily_changes as (
    select
        spell_start_date as change_date,
        stage_key,
        1 as journey_change
    from stage_spells
    union all
    select
        spell_end_date as change_date,
        stage_key,
        -1 as journey_change
    from stage_spells
    where spell_end_date is not null
),

daily_net_changes as (
    select
        change_date,
        stage_key,
        sum(journey_change) as net_journey_change
    from daily_changes
    group by change_date, stage_key
),

daily_entries as (
    select
        cast(entered_at as date) as entered_date,
        stage_key,
        count(*) as stage_entries_count
    from stage_entries
    group by cast(entered_at as date), stage_key
),

spine as (
    select
        dates.date_day,
        stages.stage_key,
        stages.stage_order
    from dates
    cross join stages
),

final as (
    select
        cast(spine.date_day as date) as snapshot_date,
        cast(spine.stage_key as varchar) as stage_key,
        cast(spine.stage_order as integer) as stage_order,
        cast(
            sum(coalesce(daily_net_changes.net_journey_change, 0)) over (
                partition by spine.stage_key
                order by spine.date_day
                rows between unbounded preceding and current row
            ) as bigint
        ) as journeys_in_stage_count,
        cast(coalesce(daily_entries.stage_entries_count, 0) as bigint) as stage_entries_count
    from spine
    left join daily_net_changes
        on
            spine.date_day = daily_net_changes.change_date
            and spine.stage_key = daily_net_changes.stage_key
    left join daily_entries
        on
            spine.date_day = daily_entries.entered_date
            and spine.stage_key = daily_entries.stage_key
)

select * from final
