{{ config(materialized='view') }}
{#- One row per breach of an agreed business rule: which rule, how severe, on what, who
    answers for it, when it was broken and by how much. Nothing is dropped: every breach in
    rule_evaluations is here. A view like rule_evaluations: writing some 250k breaches again
    on every run (at 10M events) cost more than their readers spend reading them. -#}
with

evaluations as (
    select * from {{ ref('rule_evaluations') }}
),

final as (
    select
        evaluation_id as breach_id,
        rule_key,
        rule_type,
        severity,
        rule_detail,
        entity_type,
        entity_id,
        journey_key,
        person_key,
        owner_id,
        accountable_owner,
        breached_at,
        cast(breached_at as date) as breached_date,
        breach_size,
        breach_unit,
        breach_detail
    from evaluations
    where is_breach
)

select * from final
