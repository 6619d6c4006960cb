{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['identifier_type', 'identifier_value'],
        on_schema_change='fail',
    )
}}
{#- Identity stitching. Precedence: an email is the person; a CRM contact is the person of
    the first email seen with it (else itself); an anonymous cookie is the person of the
    first known identity seen with it (else itself). Resolving per identifier, not per
    event, is what stitches anonymous history before a form fill to the person.

    Each row keeps the event that linked its identifier (the first by occurred_at, then
    event_id), so a run reads only the events loaded since the last one: the first link of
    an identifier is the earlier of its stored link and the links among the new events.
    Contacts on new events are resolved again, and with them every cookie whose link is
    such a contact without an email (a late event can give a contact an earlier first
    email). The log only grows and event_ids are unique, so the result equals a full
    refresh. -#}
{%- set previous_load = none %}
{%- if is_incremental() and execute %}
{%- set previous_load = run_query(
    "select strftime(max(last_loaded_at), '%Y-%m-%d %H:%M:%S.%f') from " ~ this
).columns[0].values()[0] %}
{%- endif %}
with

events as (
    select
        event_id,
        occurred_at,
        anonymous_id,
        email,
        contact_id,
        loaded_at
    from {{ ref('int_events_unioned') }}
    where
        (anonymous_id is not null or email is not null or contact_id is not null)
        {%- if previous_load is not none %}
        {#- A literal, so DuckDB reads only the row groups of the log loaded since. #}
        and loaded_at > cast('{{ previous_load }}' as timestamp)
        {%- endif %}
),

{% if is_incremental() %}
previous as not materialized (
    select * from {{ this }}
),
{% endif %}

contact_sightings as (
    {#- Every event with a contact, and on an incremental run the stored link of each such
        contact, read as one more sighting. -#}
    select
        contact_id,
        occurred_at,
        event_id,
        email,
        loaded_at
    from events
    where contact_id is not null
    {% if is_incremental() %}
    union all
    select
        previous.identifier_value as contact_id,
        previous.linked_at as occurred_at,
        previous.linked_by_event_id as event_id,
        previous.linked_email as email,
        previous.last_loaded_at as loaded_at
    from previous
    where
        previous.identifier_type = 'contact'
        and previous.identifier_value in (select events.contact_id from events)
    {% endif %}
),

contact_links as (
    select
        contact_id,
        occurred_at,
        event_id,
        email,
        row_number() over (
            partition by contact_id order by occurred_at, event_id
        ) as link_number
    from contact_sightings
    where email is not null
),

contacts_seen as (
    select
        contact_id,
        max(loaded_at) as last_loaded_at
    from contact_sightings
    group by contact_id
),

contacts as (
    select
        'contact' as identifier_type,
        contacts_seen.contact_id as identifier_value,
        coalesce('email:' || contact_links.email, 'contact:' || contacts_seen.contact_id)
            as person_identity,
        contact_links.occurred_at as linked_at,
        contact_links.event_id as linked_by_event_id,
        contact_links.email as linked_email,
        cast(null as varchar) as linked_contact_id,
        contacts_seen.last_loaded_at
    from contacts_seen
    left join contact_links
        on
            contacts_seen.contact_id = contact_links.contact_id
            and contact_links.link_number = 1
),

resolved_contacts as (
    {#- The person of every contact: resolved above, else as stored. -#}
    select
        identifier_value as contact_id,
        person_identity
    from contacts
    {% if is_incremental() %}
    union all
    select
        previous.identifier_value as contact_id,
        previous.person_identity
    from previous
    where
        previous.identifier_type = 'contact'
        and previous.identifier_value not in (select contacts.identifier_value from contacts)
    {% endif %}
),

anonymous_sightings as (
    {#- Every event with a cookie, and on an incremental run the stored link of each such
        cookie and of each cookie linked through a contact resolved again. -#}
    select
        anonymous_id,
        occurred_at,
        event_id,
        email,
        contact_id,
        loaded_at
    from events
    where anonymous_id is not null
    {% if is_incremental() %}
    union all
    select
        previous.identifier_value as anonymous_id,
        previous.linked_at as occurred_at,
        previous.linked_by_event_id as event_id,
        previous.linked_email as email,
        previous.linked_contact_id as contact_id,
        previous.last_loaded_at as loaded_at
    from previous
    where
        previous.identifier_type = 'anonymous'
        and (
            previous.identifier_value in (select events.anonymous_id from events)
            or previous.linked_contact_id in (select contacts.identifier_value from contacts)
        )
    {% endif %}
),

anonymous_links as (
    select
        anonymous_id,
        occurred_at,
        event_id,
        email,
        contact_id,
        row_number() over (
            partition by anonymous_id order by occurred_at, event_id
        ) as link_number
    from anonymous_sightings
    where email is not null or contact_id is not null
),

anonymous_seen as (
    select
        anonymous_id,
        max(loaded_at) as last_loaded_at
    from anonymous_sightings
    group by anonymous_id
),

anonymous_ids as (
    select
        'anonymous' as identifier_type,
        anonymous_seen.anonymous_id as identifier_value,
        coalesce(
            'email:' || anonymous_links.email,
            resolved_contacts.person_identity,
            'anonymous:' || anonymous_seen.anonymous_id
        ) as person_identity,
        anonymous_links.occurred_at as linked_at,
        anonymous_links.event_id as linked_by_event_id,
        anonymous_links.email as linked_email,
        anonymous_links.contact_id as linked_contact_id,
        anonymous_seen.last_loaded_at
    from anonymous_seen
    left join anonymous_links
        on
            anonymous_seen.anonymous_id = anonymous_links.anonymous_id
            and anonymous_links.link_number = 1
    left join resolved_contacts
        on anonymous_links.contact_id = resolved_contacts.contact_id
),

emails as (
    select
        'email' as identifier_type,
        email as identifier_value,
        'email:' || email as person_identity,
        cast(null as timestamp) as linked_at,
        cast(null as varchar) as linked_by_event_id,
        cast(null as varchar) as linked_email,
        cast(null as varchar) as linked_contact_id,
        max(loaded_at) as last_loaded_at
    from events
    where email is not null
    group by email
),

final as (
    select * from emails
    union all
    select * from contacts
    union all
    select * from anonymous_ids
)

select * from final
