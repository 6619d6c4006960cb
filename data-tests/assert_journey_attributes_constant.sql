{#- Every event of a journey carries the journey's own person, account and account source,
    the same as its first event (event_sequence_number 1), which every journey has.
    dim_accounts reads each journey's first event alone on that ground. On an incremental
    run only the journeys this run re-derived are checked: no other journey's events changed,
    and the run that last wrote them checked them (dim_accounts also reads the first events of
    such journeys when they share an account with a re-derived one). -#}
with

journey_events as (
    select * from {{ ref('fct_customer_journey') }}
    where {{ rows_written_this_run(derived_at_column='derived_at') }}
),

first_events as (
    select
        journey_key,
        person_key,
        account_key,
        account_source
    from journey_events
    where event_sequence_number = 1
),

final as (
    select
        journey_events.journey_key,
        journey_events.event_id,
        journey_events.event_sequence_number,
        journey_events.person_key,
        journey_events.account_key,
        journey_events.account_source,
        first_events.person_key as first_event_person_key,
        first_events.account_key as first_event_account_key,
        first_events.account_source as first_event_account_source
    from journey_events
    left join first_events
        on journey_events.journey_key = first_events.journey_key
    where
        first_events.journey_key is null
        or journey_events.person_key is distinct from first_events.person_key
        or journey_events.account_key is distinct from first_events.account_key
        or journey_events.account_source is distinct from first_events.account_source
)

select * from final
