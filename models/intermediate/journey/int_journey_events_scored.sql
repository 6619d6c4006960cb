{#- Scores every journey event against the agreed lead rule and marks the MQL moments.
    Fit: points of the person's latest known industry, company size and seniority.
    Engagement: points of the journey's events within the look-back window, counting
    only events since the last recycle (a "nurture epoch"), so a returning lead must
    earn its engagement again. An MQL moment is the first event of an epoch, at or after
    the person became known, where both scores meet their thresholds.
    Only the journeys in scope for this run (int_journeys_scoped) are scored. -#}
{%- set lookback_days = seed_value('lead_rule', 'engagement_lookback_days', default=1) -%}
with

identified_events as (
    select * from {{ ref('int_events_identified') }}
),

scope as (
    select * from {{ ref('int_journeys_scoped') }}
),

events as (
    {#- Only what scoring and staging read: every window below sorts the columns it
        carries, so the wide event attributes join back in fct_customer_journey. -#}
    select
        identified_events.event_id,
        identified_events.journey_key,
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
    inner join scope
        on identified_events.journey_key = scope.journey_key
),

stages as (
    select * from {{ ref('funnel_stages') }}
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

sequenced as (
    select
        events.*,
        case when events.stage_from_reason then reasons.exit_stage end as reason_exit_stage,
        coalesce(exit_stages.starts_new_cycle, false) as is_recycle,
        coalesce(engagement_points.points, 0) as engagement_points
    from events
    left join reasons
        on events.reason = reasons.reason_key
    left join stages as exit_stages
        on events.stage_from_reason and reasons.exit_stage = exit_stages.stage_key
    left join engagement_points
        on events.event_type = engagement_points.event_type
),

firmographics as (
    {#- Every window here shares one partition and order, so DuckDB sorts the journey's
        events once for all of them; (occurred_at, event_id) is the event order. -#}
    select
        *,
        row_number() over journey_order as event_sequence_number,
        sum(case when is_recycle then 1 else 0 end) over (
            journey_order rows between unbounded preceding and current row
        ) as nurture_epoch,
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
        {{ last_value_ignore_nulls('industry', 'journey_key', 'occurred_at, event_id') }}
            as known_industry,
        {{ last_value_ignore_nulls('company_size', 'journey_key', 'occurred_at, event_id') }}
            as known_company_size,
        {{ last_value_ignore_nulls('seniority', 'journey_key', 'occurred_at, event_id') }}
            as known_seniority
    from sequenced
    window journey_order as (partition by journey_key order by occurred_at, event_id)
),

scored as (
    select
        firmographics.*,
        coalesce(industry_points.points, 0)
        + coalesce(company_size_points.points, 0)
        + coalesce(seniority_points.points, 0) as fit_score,
        sum(firmographics.engagement_points) over (
            partition by firmographics.journey_key, firmographics.nurture_epoch
            order by firmographics.occurred_at
            range between {{ days_preceding(lookback_days) }} and current row
        ) as engagement_score
    from firmographics
    left join fit_points as industry_points
        on
            industry_points.attribute = 'industry'
            and firmographics.known_industry = industry_points.attribute_value
    left join fit_points as company_size_points
        on
            company_size_points.attribute = 'company_size'
            and firmographics.known_company_size = company_size_points.attribute_value
    left join fit_points as seniority_points
        on
            seniority_points.attribute = 'seniority'
            and firmographics.known_seniority = seniority_points.attribute_value
),

judged as (
    select
        scored.*,
        coalesce(
            scored.occurred_at >= scored.identified_at
            and scored.fit_score >= lead_rule.fit_threshold
            and scored.engagement_score >= lead_rule.engagement_threshold,
            false
        ) as meets_lead_rule
    from scored
    cross join lead_rule
),

first_qualifying as (
    select
        *,
        row_number() over (
            partition by journey_key, nurture_epoch, meets_lead_rule
            order by event_sequence_number
        ) as qualifying_number
    from judged
),

final as (
    select
        *,
        meets_lead_rule and qualifying_number = 1 as is_mql_moment,
        1 + sum(
            case
                when meets_lead_rule and qualifying_number = 1 and nurture_epoch > 0
                    then 1
                else 0
            end
        ) over (
            partition by journey_key order by event_sequence_number
            rows between unbounded preceding and current row
        ) as journey_cycle
    from first_qualifying
)

select * from final

-- depends_on: {{ ref('lead_rule') }}
