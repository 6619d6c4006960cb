{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_rederived_accounts() }}",
    )
}}
{#- Incremental: an account changes only through the journeys this run re-derives, so a run
    derives again, from all of their journeys (each journey's first event), the accounts
    those journeys had before and have now (accounts_rederived_this_run), and replaces
    their rows. -#}
{%- set rederived = accounts_rederived_this_run() if is_incremental() else none %}
with

journey_events as not materialized (
    select * from {{ ref('fct_customer_journey') }}
),
{% if rederived is not none %}
rederived_accounts as (
    {{ rederived }}
),
{% endif %}

account_events as (
    select journey_events.*
    from journey_events
    {%- if rederived is not none %}
    where
        journey_events.account_key in (
            select rederived_accounts.account_key from rederived_accounts
        )
    {%- endif %}
),

account_journeys as (
    {#- One row per journey: its first event. A journey's account, account source and person
        are the journey's own, the same on every one of its events, and its first event
        (event_sequence_number 1) is its earliest, so that row carries all an account
        needs; the scan then reads the other columns of a tenth of the events. -#}
    select
        account_key,
        journey_key,
        person_key,
        occurred_at,
        account_source = 'crm_account' as has_crm_account
    from account_events
    where account_key is not null and event_sequence_number = 1
),

final as (
    select
        cast(account_journeys.account_key as varchar) as account_key,
        cast(
            case
                when {{ dbt.bool_or('account_journeys.has_crm_account') }} then 'crm_account'
                else 'email_domain'
            end as varchar
        ) as account_source,
        cast(min(account_journeys.occurred_at) as timestamp) as first_seen_at,
        cast(count(distinct account_journeys.person_key) as integer) as people_count,
        cast(count(distinct account_journeys.journey_key) as integer) as journey_count
    from account_journeys
    group by account_journeys.account_key
)

select * from final

-- depends_on: {{ ref('int_accounts_scoped') }}
-- depends_on: {{ ref('int_journeys_scoped') }}
