{#- Why handed-off leads were rejected, per month of the handoff. -#}
with

responses as (
    select * from {{ ref('handoff_responses') }}
),

reasons as (
    select * from {{ ref('reasons') }}
),

rejections as (
    select
        cast({{ dbt.date_trunc('month', 'handed_off_at') }} as date) as handoff_month,
        answer_reason,
        count(*) as rejections_count
    from responses
    where is_answered and is_rejection
    group by cast({{ dbt.date_trunc('month', 'handed_off_at') }} as date), answer_reason
),

final as (
    select
        cast(rejections.handoff_month as date) as handoff_month,
        cast(rejections.answer_reason as varchar) as reason_key,
        cast(reasons.exit_stage as varchar) as exit_stage_key,
        cast(reasons.description as varchar) as reason_description,
        cast(rejections.rejections_count as bigint) as rejections_count,
        cast(
            rejections.rejections_count * 1.0
            / sum(rejections.rejections_count) over (partition by rejections.handoff_month)
            as double
        ) as share_of_month_rejections
    from rejections
    left join reasons
        on rejections.answer_reason = reasons.reason_key
)

select * from final
