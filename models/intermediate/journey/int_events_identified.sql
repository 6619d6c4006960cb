{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='event_id',
        on_schema_change='fail',
    )
}}
{#- Every event that belongs to a journey, with its journey and account keys (a person's
    journey key is its person key, so that is not stored again).
    A person-less sales event joins the journey of the person its opportunity belongs to;
    an opportunity no person is known for is its own (sales-sourced) journey. Events with
    no person and no opportunity (campaign spend) belong to no journey and are left out.

    Incremental: a new event can only change the journey of events that share an
    identifier with it (email, CRM contact, cookie, opportunity), and those events sit in
    the journeys that already hold such an identifier, with every event their new journey
    will hold. So a run re-derives the new events plus every event of those touched
    journeys, from the identities resolved over the whole log, and replaces them by
    event_id. An opportunity's first person is also read from its events outside the touched
    journeys, whose people cannot have changed. The result equals a full refresh. -#}
{%- set event_columns = adapter.get_columns_in_relation(ref('int_events_unioned'))
    | map(attribute='name') | list if is_incremental() else [] %}
{%- set person_identifier_columns = ['email', 'contact_id', 'anonymous_id'] %}
{%- set identifier_columns = person_identifier_columns + ['opportunity_id'] %}
{#- The latest load already identified, as a literal: DuckDB then reads only the row groups
    of the log loaded after it (a join to a watermark subquery read the whole log through
    the staging views). -#}
{%- set previous_load = none %}
{%- if is_incremental() and execute %}
{%- set previous_load = run_query(
    "select strftime(max(loaded_at), '%Y-%m-%d %H:%M:%S.%f') from " ~ this
).columns[0].values()[0] %}
{%- endif %}
with

unioned as not materialized (
    select * from {{ ref('int_events_unioned') }}
),

{% if is_incremental() %}
previous as not materialized (
    {#- Not materialized: DuckDB would otherwise copy the whole previous table once for its
        three readers (10M events, no new ones: 32 s -> 1.7 s). -#}
    select * from {{ this }}
),

new_events as (
    select unioned.*
    from unioned
    {%- if previous_load is not none %}
    where unioned.loaded_at > cast('{{ previous_load }}' as timestamp)
    {%- endif %}
),

new_identifiers as (
    select distinct
        identifier_type,
        identifier_value
    from new_events
    unpivot (
        identifier_value for identifier_type in ({{ identifier_columns | join(', ') }})
    )
),

touched_journeys as materialized (
    {#- Materialized, as events below: DuckDB would otherwise recompute them for each
        reader, scanning the whole previous table every time (10M events: 64 s -> 15 s).
        An event with an email is in that email's journey (its person, 'email:' || email
        as int_identities_resolved names it), so emails need no scan: the scan reads three
        columns instead of four. A new email's journey may not exist yet; it then matches
        no previous event below. -#}
    select distinct previous.journey_identity
    from previous
    where
    {%- for column in identifier_columns if column != 'email' %}
        {{ 'or ' if not loop.first }}previous.{{ column }} in (
            select new_identifiers.identifier_value
            from new_identifiers
            where new_identifiers.identifier_type = '{{ column }}'
        )
    {%- endfor %}
    union
    select 'email:' || new_identifiers.identifier_value as journey_identity
    from new_identifiers
    where new_identifiers.identifier_type = 'email'
),

rederived_events as (
    {#- Not materialized: its one reader, events, materialises the rows once. -#}
    select
        {%- for column in event_columns %}
        previous.{{ column }},
        {%- endfor %}
        previous.journey_identity
    from previous
    inner join touched_journeys
        on previous.journey_identity = touched_journeys.journey_identity
),

events as materialized (
    select * from new_events
    union all by name
    select * exclude (journey_identity) from rederived_events
),

settled_opportunity_people as (
    {#- An event with an email, contact or cookie has a person (every identifier seen is
        resolved), and its journey is that person: the person is not stored again. -#}
    select
        previous.event_id,
        previous.occurred_at,
        previous.opportunity_id,
        previous.journey_identity as person_identity
    from previous
    where
        previous.opportunity_id in (select events.opportunity_id from events)
        and coalesce(previous.{{ person_identifier_columns | join(', previous.') }}) is not null
        and previous.journey_identity not in (
            select touched_journeys.journey_identity from touched_journeys
        )
),

event_identifiers as (
    select distinct identifier_value
    from events
    unpivot (
        identifier_value for identifier_type in ({{ person_identifier_columns | join(', ') }})
    )
),

resolved_identities as not materialized (
    select * from {{ ref('int_identities_resolved') }}
),

identities as materialized (
    {#- The identities of this run's events only, read once: the three lookups below
        otherwise each read all of them (10M events: 3.6M identities per lookup). -#}
    select resolved_identities.*
    from resolved_identities
    where resolved_identities.identifier_value in (
        select event_identifiers.identifier_value from event_identifiers
    )
),
{% else %}
events as (
    select * from unioned
),

settled_opportunity_people as (
    select
        event_id,
        occurred_at,
        opportunity_id,
        cast(null as varchar) as person_identity
    from unioned
    where false
),

identities as not materialized (
    select * from {{ ref('int_identities_resolved') }}
),
{% endif %}

free_mail_domains as not materialized (
    select * from {{ ref('free_mail_domains') }}
),

people as not materialized (
    {#- Not materialized, here and in journeys: DuckDB inlines them into each reader, so the
        lookups below read only the few events with an opportunity or an account (under a
        tenth), and the wide events stream once through hash joins against small tables,
        with no sort and no join of the whole log to itself. -#}
    select
        events.*,
        coalesce(
            by_email.person_identity,
            by_contact.person_identity,
            by_anonymous_id.person_identity
        ) as person_identity
    from events
    left join identities as by_email
        on by_email.identifier_type = 'email' and events.email = by_email.identifier_value
    left join identities as by_contact
        on
            by_contact.identifier_type = 'contact'
            and events.contact_id = by_contact.identifier_value
    left join identities as by_anonymous_id
        on
            by_anonymous_id.identifier_type = 'anonymous'
            and events.anonymous_id = by_anonymous_id.identifier_value
),

linked_people as (
    select
        event_id,
        occurred_at,
        opportunity_id,
        person_identity
    from people
    where opportunity_id is not null
    union all
    select
        event_id,
        occurred_at,
        opportunity_id,
        person_identity
    from settled_opportunity_people
),

opportunity_people as (
    {#- Each opportunity's first person, in event order (occurred_at, event_id). -#}
    select
        opportunity_id,
        arg_min(person_identity, (occurred_at, event_id)) as person_identity
    from linked_people
    where opportunity_id is not null and person_identity is not null
    group by opportunity_id
),

journeys as not materialized (
    select
        people.*,
        coalesce(people.person_identity, opportunity_people.person_identity)
            as resolved_person_identity,
        coalesce(
            people.person_identity,
            opportunity_people.person_identity,
            'opportunity:' || people.opportunity_id
        ) as journey_identity
    from people
    left join opportunity_people
        on people.opportunity_id = opportunity_people.opportunity_id
),

journey_accounts as (
    {#- Each journey's first CRM account, in event order. -#}
    select
        journey_identity,
        arg_min(account_id, (occurred_at, event_id)) as account_id
    from journeys
    where account_id is not null and journey_identity is not null
    group by journey_identity
),

journey_events as (
    select
        journeys.*,
        journey_accounts.account_id as journey_account_id,
        {{ email_domain("case when journeys.resolved_person_identity like 'email:%' "
            ~ "then substring(journeys.resolved_person_identity, 7) end") }}
            as person_email_domain
    from journeys
    left join journey_accounts
        on journeys.journey_identity = journey_accounts.journey_identity
    where journeys.journey_identity is not null
),

final as (
    {#- The event's person, the resolved person, the journey's account and the email
        domain only decide the keys below; they are not stored. Neither is a person key:
        a person's journey is keyed by the person, so on a person journey it equals
        journey_key (fct_customer_journey reads it so). -#}
    select
        journey_events.* exclude (
            journey_events.person_identity,
            journey_events.resolved_person_identity,
            journey_events.journey_account_id,
            journey_events.person_email_domain
        ),
        {{ salted_hash('journey_events.journey_identity') }} as journey_key,
        case
            when journey_events.resolved_person_identity is not null then 'person'
            else 'opportunity'
        end as journey_type,
        case
            when journey_events.journey_account_id is not null then 'crm_account'
            when
                journey_events.person_email_domain is not null
                and free_mail_domains.domain is null
                then 'email_domain'
        end as account_source,
        case
            when journey_events.journey_account_id is not null
                then {{ salted_hash("'account:' || journey_events.journey_account_id") }}
            when
                journey_events.person_email_domain is not null
                and free_mail_domains.domain is null
                then {{ salted_hash("'domain:' || journey_events.person_email_domain") }}
        end as account_key,
        {{ run_stamp() }} as derived_at
    from journey_events
    left join free_mail_domains
        on journey_events.person_email_domain = free_mail_domains.domain
)

select * from final
