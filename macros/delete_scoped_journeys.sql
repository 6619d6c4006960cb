{#- Pre-hook of the incremental journey marts: remove every row of the journeys this run
    re-derives (int_journeys_scoped), so the insert that follows replaces them whole. -#}
{% macro delete_scoped_journeys() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where journey_key in (select journey_key from {{ ref('int_journeys_scoped') }})
    {%- endif -%}
{%- endmacro %}

{#- The join that narrows a per-journey rollup's input to the journeys this run re-derives
    (int_journeys_scoped), on an incremental run; nothing on a full build. Pairs with
    delete_scoped_journeys, which removes those journeys' old rows first. -#}
{% macro join_scoped_journeys(journey_key_column) -%}
    {%- if is_incremental() -%}
        inner join {{ ref('int_journeys_scoped') }} as scoped_journeys
            on {{ journey_key_column }} = scoped_journeys.journey_key
    {%- endif -%}
{%- endmacro %}
