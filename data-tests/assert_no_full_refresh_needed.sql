{#- An incremental build is exact only if the last finished build derived the journeys by
    the same shared definitions (seeds) and left nothing it cannot name. Otherwise this test
    stops the build before the event log's models (it reads int_event_loads_scoped, which
    every one of them follows), naming the fix; the Dagster job then runs the build again
    with --full-refresh by itself. Two cases:
    - the seeds changed: an incremental build would re-derive only the journeys with new
      events by the new definitions, and the marts would mix two sets of them;
    - a full refresh stopped before it finished: it replaced the journey facts, and the
      journeys it removed (merged into others) are still in the marts it did not rebuild.
    Empty on a full or first build, and while no finished build is recorded. -#}
{%- set seed_checksums_now = seed_checksums() %}
with

scope as (
    select * from {{ ref('int_event_loads_scoped') }}
),

final as (
    select
        case
            when is_after_unfinished_full_build
                then 'A full refresh stopped before it finished: run dbt build --full-refresh.'
            else
                'The seeds changed since the last finished build: run dbt build '
                || '--full-refresh to derive every journey by the new definitions.'
        end as message,
        seed_checksums_of_last_build as seed_checksums_then,
        '{{ seed_checksums_now }}' as seed_checksums_now
    from scope
    where
        not is_full_build
        and (
            is_after_unfinished_full_build
            or seed_checksums_of_last_build <> '{{ seed_checksums_now }}'
        )
)

select * from final
