{#- One row per rule, accountable owner and day: how many things the rule was checked on
    that day (by the day they happened: the handoff, the stage entry...), how many broke it,
    and the share that kept it (for example the share of handoffs answered within the SLA). -#}
with

evaluations as (
    select * from {{ ref('rule_evaluations') }}
),

daily as (
    select
        rule_key,
        rule_type,
        severity,
        accountable_owner,
        evaluated_date,
        cast(count(*) as bigint) as evaluated_count,
        cast(sum(case when is_breach then 1 else 0 end) as bigint) as breach_count
    from evaluations
    group by rule_key, rule_type, severity, accountable_owner, evaluated_date
),

final as (
    select
        rule_key,
        rule_type,
        severity,
        accountable_owner,
        evaluated_date,
        evaluated_count,
        breach_count,
        rule_key || ':' || accountable_owner || ':' || cast(evaluated_date as varchar)
            as compliance_day_id,
        evaluated_count - breach_count as kept_count,
        cast(evaluated_count - breach_count as double) / evaluated_count as compliance_rate
    from daily
)

select * from final
