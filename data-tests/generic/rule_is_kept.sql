{#- Fails for every evaluation of one agreed rule (rule_key in data_quality_rules) that
    broke it. Applied to rule_evaluations, with the rule's severity from the seed.
    Its failing rows are kept in the audit schema as a view, not a copied table: a rule's
    breaches can be many (every late stage at 10M events), they are already listed in
    quality.rule_breaches, and the view always shows the current evaluations. -#}
{% test rule_is_kept(model, rule_key) %}
{{ config(store_failures_as='view') }}

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
