{#- The accounts the journeys this run re-derives (int_journeys_scoped) had before this run,
    read from the journey facts as the previous build left them. A journey can leave an
    account (a late event gives it an earlier CRM account), so dim_accounts derives these
    accounts again as well as the accounts those journeys have now. Empty on a first or
    full build, when every account is derived again. Built before the journey facts are
    replaced (fct_customer_journey depends on it). After a build that replaced the facts
    and stopped before dim_accounts, also that build's accounts
    (union_scope_of_unfinished_build). -#}
{%- set previous_facts = previous_journey_facts() -%}
with

{% if previous_facts is none %}
final as (
    select cast(null as varchar) as account_key
    where false
)
{% else %}
journey_facts as (
    select * from {{ previous_facts }}
),

scoped as (
    select * from {{ ref('int_journeys_scoped') }}
),

final as (
    select distinct journey_facts.account_key
    from journey_facts
    where
        journey_facts.account_key is not null
        and journey_facts.journey_key in (select scoped.journey_key from scoped)
    {{- union_scope_of_unfinished_build('account_key') }}
)
{% endif %}

select * from final

-- depends_on: {{ ref('int_journeys_scoped') }}
-- depends_on: {{ ref('int_event_loads_scoped') }}
