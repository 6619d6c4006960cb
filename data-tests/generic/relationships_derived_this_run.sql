{#- dbt's relationships test with the parent side scoped to this run: fails for every
    tested row (the test's `where`) whose `column_name` is not among the `field` values of
    the rows of `to` derived this run (derived_this_run on `to`'s `derived_at` column; every
    row on a full build).

    For a mart whose rows point into the journey facts, within the same journey: the rows an
    incremental run wrote belong to the journeys it re-derived, and it wrote those journeys'
    facts too (assert_scoped_journeys_derived_this_run), so the parent side reads only those
    row groups of the facts instead of all of them. A row pointing at a fact of a journey the
    run did not re-derive fails, as a pointer out of its own journey should. -#}
{% test relationships_derived_this_run(
    model, column_name, to, field, derived_at_column='derived_at'
) %}

with

child as (
    select {{ column_name }} as from_field
    from {{ model }}
    where {{ column_name }} is not null
),

parent as (
    select {{ field }} as to_field
    from {{ to }}
    where {{ derived_this_run(derived_at_column) }}
),

final as (
    select child.from_field
    from child
    left join parent
        on child.from_field = parent.to_field
    where parent.to_field is null
)

select * from final

{% endtest %}
