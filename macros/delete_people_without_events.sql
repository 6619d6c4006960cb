{#- Post-hook of the incremental dim_people: on an incremental run, deletes the people whose
    row still names a journey re-derived this run (int_journeys_scoped) but who have no event
    in it any more: identity stitching merged them into another person, so nobody replaced
    their row. The events of those journeys are all rows derived this run, so only those row
    groups of the facts are read. -#}
{% macro delete_people_without_events() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where
            journey_key in (select journey_key from {{ ref('int_journeys_scoped') }})
            and person_key not in (
                select person_key
                from {{ ref('fct_customer_journey') }}
                where
                    person_key is not null
                    and journey_key in (select journey_key from {{ ref('int_journeys_scoped') }})
                    and {{ derived_this_run('derived_at') }}
            )
    {%- endif -%}
{%- endmacro %}
