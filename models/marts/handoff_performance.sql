{#- Handoff acceptance, rejection, recycling, response time and SLA compliance per sales
    owner and month of the handoff, counted from the one handoff model of the quality layer
    (handoff_responses: every handoff and the first answer to it). -#}
with

responses as (
    select * from {{ ref('handoff_responses') }}
),

reasons as (
    select * from {{ ref('reasons') }}
),

stages as (
    select * from {{ ref('funnel_stages') }}
),

slas as (
    select * from {{ ref('stage_slas') }}
),

roles as (
    select * from {{ ref('int_stage_roles') }}
),

receiving_teams as (
    select
        slas.sla_key,
        receiving_stages.owning_team as receiving_team
    from slas
    inner join roles
        on slas.from_stage = roles.stage_key
    inner join stages as receiving_stages
        on roles.next_forward_stage_key = receiving_stages.stage_key
),

classified as (
    select
        responses.owner_id,
        receiving_teams.receiving_team,
        cast({{ dbt.date_trunc('month', 'responses.handed_off_at') }} as date) as handoff_month,
        responses.is_answered,
        responses.is_answered and not responses.is_rejection as is_accepted,
        responses.is_answered and responses.is_rejection as is_rejected,
        coalesce(responses.is_rejection and exit_stages.starts_new_cycle, false) as is_recycled,
        responses.is_due and not responses.is_sla_breached as is_within_sla,
        responses.is_due,
        responses.response_hours
    from responses
    left join receiving_teams
        on responses.sla_key = receiving_teams.sla_key
    left join reasons
        on responses.answer_reason = reasons.reason_key
    left join stages as exit_stages
        on reasons.exit_stage = exit_stages.stage_key
),

final as (
    select
        cast(owner_id as varchar) as owner_id,
        cast(receiving_team as varchar) as receiving_team,
        cast(handoff_month as date) as handoff_month,
        cast(count(*) as bigint) as handoffs_count,
        cast(sum(case when is_answered then 1 else 0 end) as bigint) as answered_count,
        cast(sum(case when is_accepted then 1 else 0 end) as bigint) as accepted_count,
        cast(sum(case when is_rejected then 1 else 0 end) as bigint) as rejected_count,
        cast(sum(case when is_recycled then 1 else 0 end) as bigint) as recycled_count,
        cast(sum(case when is_due then 1 else 0 end) as bigint) as due_count,
        cast(sum(case when is_within_sla then 1 else 0 end) as bigint) as within_sla_count,
        cast(
            sum(case when is_accepted then 1 else 0 end) * 1.0
            / nullif(sum(case when is_answered then 1 else 0 end), 0) as double
        ) as acceptance_rate,
        cast(
            sum(case when is_recycled then 1 else 0 end) * 1.0
            / nullif(sum(case when is_answered then 1 else 0 end), 0) as double
        ) as recycle_rate,
        cast(
            sum(case when is_within_sla then 1 else 0 end) * 1.0
            / nullif(sum(case when is_due then 1 else 0 end), 0) as double
        ) as sla_compliance_rate,
        cast({{ percentile_value('response_hours', 0.5) }} as double) as median_response_hours,
        cast({{ percentile_value('response_hours', 0.9) }} as double) as p90_response_hours
    from classified
    group by owner_id, receiving_team, handoff_month
)

select * from final
