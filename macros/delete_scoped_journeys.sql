{#- Pre-hook of the incremental journey marts: remove every row of the journeys this run
    re-derives (int_journeys_scoped), so the insert that follows replaces them whole. -#}
{% macro delete_scoped_journeys() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where journey_key in (select journey_key from {{ ref('int_journeys_scoped') }})
    {%- endif -%}
{%- endmacro %}
