{#- An incremental build derives only the journeys with new events, by the seeds it reads
    now; if the shared definitions (seeds) changed since the last finished build, the other
    journeys would keep the old ones and the marts would mix two sets of definitions. This
    test stops such a build before the event log's models (it reads int_event_loads_scoped,
    which every one of them follows), naming the fix. Empty on a full or first build, and
    while no finished build is recorded. -#}
with

scope as (
    select * from {{ ref('int_event_loads_scoped') }}
),

final as (
    select
        'The seeds changed since the last finished build: run dbt build --full-refresh to '
        || 'derive every journey by the new definitions.' as message,
        seed_checksums_of_last_build as seed_checksums_then,
        '{{ seed_checksums() }}' as seed_checksums_now
    from scope
    where
        not is_full_build
        and seed_checksums_of_last_build <> '{{ seed_checksums() }}'
)

select * from final
