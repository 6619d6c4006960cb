{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
    )
}}
{#- One row per build that brought every incremental model of the journey up to date. It
    depends on all of them (listed below; tests/marts checks the list against the project),
    so dbt builds it last and skips it when one of them, or in `dbt build` one of their data
    tests, fails; a build that did not select all of them writes no row. The next run takes
    its watermarks from the latest row (int_event_loads_scoped): events loaded after it are
    new, rows derived after it were written by a build that did not finish, whose journeys
    are derived again (union_scope_of_unfinished_build). It also records the shared
    definitions (seeds) the build derived them by: with other seeds, an incremental build
    stops (assert_no_full_refresh_needed). -#}
-- depends_on: {{ ref('int_identities_resolved') }}
-- depends_on: {{ ref('int_events_identified') }}
-- depends_on: {{ ref('fct_journey_stage_entries') }}
-- depends_on: {{ ref('conversion_touches') }}
-- depends_on: {{ ref('dim_people') }}
-- depends_on: {{ ref('dim_accounts') }}
-- depends_on: {{ ref('journey_cohorts') }}
-- depends_on: {{ ref('handoff_responses') }}
-- depends_on: {{ ref('stage_sla_clocks') }}
-- depends_on: {{ ref('int_journeys_clocked') }}
-- depends_on: {{ ref('int_rule_evaluations_settled') }}
-- depends_on: {{ ref('int_stage_spells_derived') }}
-- depends_on: {{ ref('int_stage_transitions_derived') }}
-- depends_on: {{ ref('int_stage_outcomes_derived') }}
-- depends_on: {{ ref('int_content_uses_derived') }}
{%- set unselected = model.depends_on.nodes | reject('in', selected_resources) | list
    if execute else [] %}
with

journey_facts as (
    select * from {{ ref('fct_customer_journey') }}
),

final as (
    select
        {{ run_stamp() }} as build_started_at,
        max(journey_facts.loaded_at) as last_loaded_at,
        '{{ seed_checksums() }}' as seed_checksums
    from journey_facts
)

select * from final
{#- A build that left out one of the models above did not bring them all up to date. #}
where {{ 'false' if unselected else 'true' }}
