{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_scoped_journeys() }}",
    )
}}
{#- Incremental like fct_customer_journey: the entries of the journeys in scope for this
    run are deleted and derived again in full. -#}
with

entries as (
    select * from {{ ref('int_stage_entries_derived') }}
),

journey_events as (
    select * from {{ ref('fct_customer_journey') }}
),

entering_events as (
    {#- A journey's type, person, account and sales-sourced flag are the same on each of its
        events, so each entry reads them off the event that made it (a semi-join, one row
        per entering event) rather than from every journey's distinct values over all of
        its events: at 10M events that grouped 10M rows. -#}
    select
        journey_events.event_id,
        journey_events.journey_type,
        journey_events.person_key,
        journey_events.account_key,
        journey_events.is_sales_sourced
    from journey_events
    where
        journey_events.event_id in (select entries.event_id from entries)
        {#- The entries are this run's journeys, whose events this run wrote: the stamp
            spares the scan every older row group of the facts. #}
        and {{ derived_this_run('journey_events.derived_at') }}
),

sequenced as (
    select
        entries.*,
        lead(entries.stage_key) over (
            partition by entries.journey_key
            order by entries.event_sequence_number, entries.stage_order
        ) as next_stage_key,
        lead(entries.entered_at) over (
            partition by entries.journey_key
            order by entries.event_sequence_number, entries.stage_order
        ) as next_stage_entered_at
    from entries
),

final as (
    select
        cast(sequenced.event_id || ':' || sequenced.stage_key as varchar) as stage_entry_id,
        cast(sequenced.journey_key as varchar) as journey_key,
        cast(entering_events.journey_type as varchar) as journey_type,
        cast(entering_events.person_key as varchar) as person_key,
        cast(entering_events.account_key as varchar) as account_key,
        cast(entering_events.is_sales_sourced as boolean) as is_sales_sourced,
        cast(sequenced.journey_cycle as integer) as journey_cycle,
        cast(sequenced.stage_key as varchar) as stage_key,
        cast(sequenced.stage_order as integer) as stage_order,
        cast(sequenced.stage_occurrence_number as integer) as stage_occurrence_number,
        cast(sequenced.event_id as varchar) as entered_by_event_id,
        cast(sequenced.entered_at as timestamp) as entered_at,
        cast(sequenced.next_stage_key as varchar) as next_stage_key,
        cast(sequenced.next_stage_entered_at as timestamp) as next_stage_entered_at
    from sequenced
    inner join entering_events
        on sequenced.event_id = entering_events.event_id
)

select * from final

-- depends_on: {{ ref('int_journeys_scoped') }}
