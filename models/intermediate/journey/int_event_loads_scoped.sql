{#- The load time after which events are new to this run: the latest load the journey
    facts held when this run started (null on a first or full build, when every event is
    new). Built before staging (the staging models depend on it), so the data tests of
    the event log can check only the events loaded since (loaded_this_run). Also the
    latest derivation stamp the facts held, after which rows of the journey tables were
    written by this run (derived_this_run). -#}
{%- set previous_facts = previous_journey_facts() %}
with

{% if previous_facts is none -%}
scope as (
    select
        true as is_full_build,
        cast(null as timestamp) as loaded_after,
        cast(null as timestamp) as derived_after
),
{%- else -%}
journey_facts as (
    select * from {{ previous_facts }}
),

scope as (
    select
        false as is_full_build,
        max(loaded_at) as loaded_after,
        max(derived_at) as derived_after
    from journey_facts
),
{%- endif %}

final as (
    select
        cast(loaded_after as timestamp) as loaded_after,
        cast(derived_after as timestamp) as derived_after,
        cast(is_full_build as boolean) as is_full_build
    from scope
)

select * from final
