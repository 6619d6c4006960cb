{#- Fails for every evaluation of one agreed rule (rule_key in data_quality_rules) that
    broke it. Applied to rule_evaluations, with the rule's severity from the seed. -#}
{% test rule_is_kept(model, rule_key) %}

with

evaluations as (
    select * from {{ model }}
),

final as (
    select * from evaluations
    where rule_key = '{{ rule_key }}' and is_breach
)

select * from final

{% endtest %}
