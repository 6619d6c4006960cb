{#- The forward-stage entries (not exits) of the journeys this run re-derives, with whether
    the stage is the won stage: the rows the per-journey rollups of what followed a stage
    entry (int_stage_outcomes_derived, int_content_uses_derived) start from. -#}
{% macro forward_stage_entries() -%}
    select
        stage_entries.journey_key,
        stage_entries.stage_key,
        stage_entries.entered_at,
        stage_entries.next_stage_key,
        stage_entries.next_stage_entered_at,
        stage_roles.is_won_stage
    from {{ ref('fct_journey_stage_entries') }} as stage_entries
    inner join {{ ref('int_stage_roles') }} as stage_roles
        on stage_entries.stage_key = stage_roles.stage_key
    {{ join_scoped_journeys('stage_entries.journey_key') }}
    where stage_roles.is_forward_stage
{%- endmacro %}
