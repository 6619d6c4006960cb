{#- The journey fact table as the previous build left it, or none when this run derives
    every journey: a full refresh, or a first build (a journey fact table is missing).
    Read by the models that scope an incremental run (int_event_loads_scoped,
    int_journeys_scoped) before the facts are rebuilt. -#}
{% macro previous_journey_facts() -%}
    {%- if flags.FULL_REFRESH -%}{{ return(none) }}{%- endif -%}
    {%- set facts = existing_relation('fct_customer_journey') -%}
    {%- if facts is none or existing_relation('fct_journey_stage_entries') is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(facts) }}
{%- endmacro %}
