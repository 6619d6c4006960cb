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
    delete_scoped_journeys, which removes those journeys' old rows first. An input that
    stamps its rows (derived_at_column, fct_customer_journey) also gets derived_this_run,
    which all of those journeys' rows meet, so DuckDB skips its older row groups. -#}
{% macro join_scoped_journeys(journey_key_column, derived_at_column=none) -%}
    {%- if is_incremental() -%}
        inner join {{ ref('int_journeys_scoped') }} as scoped_journeys
            on {{ journey_key_column }} = scoped_journeys.journey_key
            {%- if derived_at_column is not none %}
            and {{ derived_this_run(derived_at_column) }}
            {%- endif %}
    {%- endif -%}
{%- endmacro %}
