{#- Every journey event, scored against the agreed lead rule, with the journey state after
    it: the stage it is in, whether the event entered a stage, the stage before, and when the
    current and next stages were entered. Only the journeys in scope for this run
    (int_journeys_scoped) are derived.

    Scoring. Fit: points of the person's latest known industry, company size and seniority.
    Engagement: points of the journey's events within the look-back window, counting only
    events since the last recycle (a "nurture epoch"), so a returning lead must earn its
    engagement again. An MQL moment is the first event of an epoch, at or after the person
    became known, where both scores meet their thresholds.

    Staging. Every event proposes the stages it can move a journey into (from the event
    catalog, the rejection reason, the person's first identification or the lead rule).
    Journeys never move backwards within a cycle, so the stage after an event is the
    furthest stage proposed so far in its cycle, and an event enters a stage when it
    proposes one further than every earlier event of the cycle (int_stage_entries_derived
    lists those entries, one row per stage).

    Performance: one model instead of three tables written and read back. The windows after
    the first sort run on narrow rows (integer journey number and sequence, numbers and
    flags); the event's text columns join back once, by those two integers, and the
    journey key by the journey number. The event's own attributes are not carried out:
    fct_customer_journey joins them back from int_events_identified. -#}
{%- set lookback_days = seed_value('lead_rule', 'engagement_lookback_days', default=1) -%}
with

identified_events as (
    select * from {{ ref('int_events_identified') }}
),

scope as (
    select * from {{ ref('int_journeys_scoped') }}
),

stages as (
    select * from {{ ref('funnel_stages') }}
),

stage_roles as (
    select * from {{ ref('int_stage_roles') }}
),

reasons as (
    select * from {{ ref('reasons') }}
),

lead_rule as (
    select * from {{ ref('lead_rule') }}
),

fit_points as (
    select * from {{ ref('lead_fit_points') }}
),

engagement_points as (
    select * from {{ ref('lead_engagement_points') }}
),

journeys as materialized (
    {#- A dense integer per journey in scope: the window partitions below sort on it
        instead of the 32-character journey key. -#}
    select
        journey_key,
        row_number() over () as journey_number
    from scope
),

events as (
    select
        identified_events.event_id,
        journeys.journey_number,
        identified_events.event_type,
        identified_events.occurred_at,
        identified_events.opportunity_id,
        identified_events.reason,
        identified_events.enters_stage,
        identified_events.stage_from_reason,
        identified_events.industry,
        identified_events.company_size,
        identified_events.seniority,
        coalesce(
            identified_events.is_identifying
            or (
                identified_events.is_touch
                and (
                    identified_events.email is not null
                    or identified_events.contact_id is not null
                )
            ),
            false
        ) as is_identification
    from identified_events
    inner join journeys
        on identified_events.journey_key = journeys.journey_key
    {#- Every event of a journey in scope was identified this run: the stamp lets the scan
        skip the older row groups of the 10M-row table. #}
    where {{ derived_this_run('identified_events.derived_at') }}
),

trigger_stage_orders as (
    {#- The stage orders proposed by a first identification and by an MQL moment. -#}
    select
        min(case when entry_trigger = 'identification' then stage_order end)
            as lowest_identification_order,
        max(case when entry_trigger = 'identification' then stage_order end)
            as highest_identification_order,
        min(case when entry_trigger = 'lead_rule' then stage_order end)
            as lowest_lead_rule_order,
        max(case when entry_trigger = 'lead_rule' then stage_order end)
            as highest_lead_rule_order,
        {#- Larger than every stage order: a journey's progress is encoded as
            journey_cycle * progress_base + stage_order. -#}
        cast(max(stage_order) + 1 as integer) as progress_base
    from stages
),

funnel_start as (
    select stages.owning_team
    from stages
    inner join stage_roles
        on stages.stage_key = stage_roles.stage_key
    where stage_roles.is_first_stage
),

classified as (
    select
        events.*,
        entered_stages.stage_order as entered_stage_order,
        exit_stages.stage_order as reason_exit_stage_order,
        case when events.stage_from_reason then reasons.exit_stage end as reason_exit_stage,
        coalesce(exit_stages.starts_new_cycle, false) as is_recycle,
        coalesce(engagement_points.points, 0) as engagement_points
    from events
    left join reasons
        on events.reason = reasons.reason_key
    left join stages as exit_stages
        on events.stage_from_reason and reasons.exit_stage = exit_stages.stage_key
    left join stages as entered_stages
        on events.enters_stage = entered_stages.stage_key
    left join engagement_points
        on events.event_type = engagement_points.event_type
),

sequenced as (
    {#- The one sort of the wide rows. Every window here shares one partition and order,
        so DuckDB sorts the journey's events once for all of them; (occurred_at, event_id)
        is the event order. -#}
    select
        *,
        row_number() over journey_order as event_sequence_number,
        cast(sum(case when is_recycle then 1 else 0 end) over (
            journey_order rows between unbounded preceding and current row
        ) as integer) as nurture_epoch,
        min(case when is_identification then occurred_at end) over (
            journey_order rows between unbounded preceding and unbounded following
        ) as identified_at,
        coalesce(
            is_identification
            and event_id = first_value(
                case when is_identification then event_id end ignore nulls
            ) over (journey_order rows between unbounded preceding and unbounded following),
            false
        ) as is_first_identification,
        {{ last_value_ignore_nulls('industry', 'journey_number', 'occurred_at, event_id') }}
            as known_industry,
        {{ last_value_ignore_nulls('company_size', 'journey_number', 'occurred_at, event_id') }}
            as known_company_size,
        {{ last_value_ignore_nulls('seniority', 'journey_number', 'occurred_at, event_id') }}
            as known_seniority,
        {{ last_value_ignore_nulls('opportunity_id', 'journey_number', 'occurred_at, event_id') }}
            as current_opportunity_id
    from classified
    window journey_order as (partition by journey_number order by occurred_at, event_id)
),

fitted as materialized (
    select
        sequenced.*,
        coalesce(industry_points.points, 0)
        + coalesce(company_size_points.points, 0)
        + coalesce(seniority_points.points, 0) as fit_score
    from sequenced
    left join fit_points as industry_points
        on
            industry_points.attribute = 'industry'
            and sequenced.known_industry = industry_points.attribute_value
    left join fit_points as company_size_points
        on
            company_size_points.attribute = 'company_size'
            and sequenced.known_company_size = company_size_points.attribute_value
    left join fit_points as seniority_points
        on
            seniority_points.attribute = 'seniority'
            and sequenced.known_seniority = seniority_points.attribute_value
),

counted as (
    {#- From here on the windows carry narrow rows only. -#}
    select
        journey_number,
        event_sequence_number,
        occurred_at,
        nurture_epoch,
        engagement_points,
        fit_score,
        identified_at,
        is_first_identification,
        entered_stage_order,
        reason_exit_stage_order,
        row_number() over (
            partition by journey_number, event_type order by event_sequence_number
        ) as event_occurrence_number
    from fitted
),

engaged as (
    select
        counted.*,
        sum(counted.engagement_points) over (
            partition by counted.journey_number, counted.nurture_epoch
            order by counted.occurred_at
            range between {{ days_preceding(lookback_days) }} and current row
        ) as engagement_score
    from counted
),

judged as (
    select
        engaged.*,
        coalesce(
            engaged.occurred_at >= engaged.identified_at
            and engaged.fit_score >= lead_rule.fit_threshold
            and engaged.engagement_score >= lead_rule.engagement_threshold,
            false
        ) as meets_lead_rule
    from engaged
    cross join lead_rule
),

qualified as (
    {#- The MQL moment is the first event of its epoch meeting the lead rule. Epochs only
        grow along the journey, so an earlier event of the same epoch met the rule exactly
        when the latest epoch in which an earlier event met it is this one. -#}
    select
        *,
        coalesce(
            meets_lead_rule
            and coalesce(
                max(case when meets_lead_rule then nurture_epoch end) over (
                    partition by journey_number order by event_sequence_number
                    rows between unbounded preceding and 1 preceding
                ) < nurture_epoch,
                true
            ),
            false
        ) as is_mql_moment
    from judged
),

cycled as (
    select
        *,
        cast(1 + sum(case when is_mql_moment and nurture_epoch > 0 then 1 else 0 end) over (
            partition by journey_number order by event_sequence_number
            rows between unbounded preceding and current row
        ) as integer) as journey_cycle
    from qualified
),

proposed as (
    select
        cycled.*,
        trigger_stage_orders.progress_base,
        greatest(
            cycled.entered_stage_order,
            cycled.reason_exit_stage_order,
            case
                when cycled.is_first_identification
                    then trigger_stage_orders.highest_identification_order
            end,
            case when cycled.is_mql_moment then trigger_stage_orders.highest_lead_rule_order end
        ) as highest_proposed_order,
        least(
            cycled.entered_stage_order,
            cycled.reason_exit_stage_order,
            case
                when cycled.is_first_identification
                    then trigger_stage_orders.lowest_identification_order
            end,
            case when cycled.is_mql_moment then trigger_stage_orders.lowest_lead_rule_order end
        ) as lowest_proposed_order
    from cycled
    cross join trigger_stage_orders
),

progressed as (
    {#- A journey's progress, journey_cycle * progress_base + stage order, only grows along
        the journey: its running maximum, decoded when it belongs to the event's own cycle,
        is the furthest stage proposed so far in the cycle. -#}
    select
        *,
        max(journey_cycle * progress_base + highest_proposed_order) over (
            journey_order rows between unbounded preceding and current row
        ) as progress_after,
        max(journey_cycle * progress_base + highest_proposed_order) over (
            journey_order rows between unbounded preceding and 1 preceding
        ) as progress_before,
        lag(journey_cycle) over journey_order as previous_journey_cycle,
        first_value(lowest_proposed_order ignore nulls) over (
            journey_order rows between unbounded preceding and unbounded following
        ) as first_entered_stage_order
    from proposed
    window journey_order as (partition by journey_number order by event_sequence_number)
),

positioned as (
    select
        *,
        case
            when progress_after // progress_base = journey_cycle
                then progress_after % progress_base
        end as stage_order,
        case
            when progress_before // progress_base = previous_journey_cycle
                then progress_before % progress_base
        end as previous_stage_order,
        coalesce(
            highest_proposed_order > coalesce(
                case
                    when progress_before // progress_base = journey_cycle
                        then progress_before % progress_base
                end,
                0
            ),
            false
        ) as is_stage_entry
    from progressed
),

timed as (
    select
        *,
        max(case when is_stage_entry then occurred_at end) over (
            journey_order rows between unbounded preceding and current row
        ) as stage_entered_at,
        min(case when is_stage_entry then occurred_at end) over (
            journey_order rows between 1 following and unbounded following
        ) as next_stage_entered_at
    from positioned
    window journey_order as (partition by journey_number order by event_sequence_number)
),

staged as (
    select
        *,
        cast(sum(case when is_stage_entry then 1 else 0 end) over (
            partition by journey_number, stage_order
            order by event_sequence_number
            rows between unbounded preceding and current row
        ) as integer) as stage_occurrence_number
    from timed
),

final as (
    select
        fitted.event_id,
        journeys.journey_key,
        fitted.occurred_at,
        fitted.enters_stage,
        fitted.is_identification,
        fitted.reason_exit_stage,
        fitted.is_recycle,
        fitted.engagement_points,
        fitted.event_sequence_number,
        fitted.nurture_epoch,
        fitted.identified_at,
        fitted.is_first_identification,
        fitted.known_industry,
        fitted.known_company_size,
        fitted.known_seniority,
        fitted.fit_score,
        staged.engagement_score,
        staged.meets_lead_rule,
        staged.is_mql_moment,
        staged.journey_cycle,
        staged.is_stage_entry,
        staged.stage_order,
        current_stages.stage_key,
        previous_stages.stage_key as previous_stage_key,
        staged.stage_entered_at,
        staged.next_stage_entered_at,
        staged.event_occurrence_number,
        fitted.current_opportunity_id,
        staged.stage_occurrence_number,
        {#- Sales-sourced: the first stage the journey entered is not owned by the team
            that owns the funnel's first stage; it came in through sales, not marketing. -#}
        coalesce(first_stages.owning_team <> funnel_start.owning_team, false)
            as is_sales_sourced
    from staged
    inner join fitted
        on
            staged.journey_number = fitted.journey_number
            and staged.event_sequence_number = fitted.event_sequence_number
    inner join journeys
        on staged.journey_number = journeys.journey_number
    left join stages as current_stages
        on staged.stage_order = current_stages.stage_order
    left join stages as previous_stages
        on staged.previous_stage_order = previous_stages.stage_order
    left join stages as first_stages
        on staged.first_entered_stage_order = first_stages.stage_order
    left join funnel_start
        on true
)

select * from final

-- depends_on: {{ ref('lead_rule') }}
