{#- Identity stitching. Precedence: an email is the person; a CRM contact is the person of
    the first email seen with it (else itself); an anonymous cookie is the person of the
    first known identity seen with it (else itself). Resolving per identifier, not per
    event, is what stitches anonymous history before a form fill to the person. -#}
with

events as (
    select
        event_id,
        occurred_at,
        anonymous_id,
        email,
        contact_id
    from {{ ref('int_events_unioned') }}
    where anonymous_id is not null or email is not null or contact_id is not null
),

contact_email_links as (
    select
        contact_id,
        email,
        row_number() over (
            partition by contact_id order by occurred_at, event_id
        ) as link_number
    from events
    where contact_id is not null and email is not null
),

contact_emails as (
    select
        contact_id,
        email
    from contact_email_links
    where link_number = 1
),

known_identities as (
    select
        events.event_id,
        events.occurred_at,
        events.anonymous_id,
        coalesce(
            'email:' || events.email,
            'email:' || contact_emails.email,
            'contact:' || events.contact_id
        ) as known_identity
    from events
    left join contact_emails
        on events.contact_id = contact_emails.contact_id
),

anonymous_links as (
    select
        anonymous_id,
        known_identity,
        row_number() over (
            partition by anonymous_id order by occurred_at, event_id
        ) as link_number
    from known_identities
    where anonymous_id is not null and known_identity is not null
),

emails as (
    select distinct
        'email' as identifier_type,
        email as identifier_value,
        'email:' || email as person_identity
    from events
    where email is not null
),

contacts as (
    select distinct
        'contact' as identifier_type,
        events.contact_id as identifier_value,
        coalesce('email:' || contact_emails.email, 'contact:' || events.contact_id)
            as person_identity
    from events
    left join contact_emails
        on events.contact_id = contact_emails.contact_id
    where events.contact_id is not null
),

anonymous_ids as (
    select distinct
        'anonymous' as identifier_type,
        events.anonymous_id as identifier_value,
        coalesce(anonymous_links.known_identity, 'anonymous:' || events.anonymous_id)
            as person_identity
    from events
    left join anonymous_links
        on
            events.anonymous_id = anonymous_links.anonymous_id
            and anonymous_links.link_number = 1
    where events.anonymous_id is not null
),

final as (
    select * from emails
    union all
    select * from contacts
    union all
    select * from anonymous_ids
)

select * from final
