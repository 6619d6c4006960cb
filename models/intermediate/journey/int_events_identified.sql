{#- Every event that belongs to a journey, with its journey, person and account keys.
    A person-less sales event joins the journey of the person its opportunity belongs to;
    an opportunity no person is known for is its own (sales-sourced) journey. Events with
    no person and no opportunity (campaign spend) belong to no journey and are left out. -#}
with

events as (
    select * from {{ ref('int_events_unioned') }}
),

identities as (
    select * from {{ ref('int_identities_resolved') }}
),

free_mail_domains as (
    select * from {{ ref('free_mail_domains') }}
),

people as (
    {#- Journeys are assigned on the few columns that decide them; the wide event joins
        back once at the end (at 10M events: 132 s -> 106 s, less to spill). -#}
    select
        events.event_id,
        events.occurred_at,
        events.opportunity_id,
        events.account_id,
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

opportunity_person_links as (
    select
        opportunity_id,
        person_identity,
        row_number() over (
            partition by opportunity_id order by occurred_at, event_id
        ) as link_number
    from people
    where opportunity_id is not null and person_identity is not null
),

journeys as (
    select
        people.event_id,
        people.occurred_at,
        people.account_id,
        people.person_identity,
        coalesce(people.person_identity, opportunity_person_links.person_identity)
            as resolved_person_identity,
        coalesce(
            people.person_identity,
            opportunity_person_links.person_identity,
            'opportunity:' || people.opportunity_id
        ) as journey_identity
    from people
    left join opportunity_person_links
        on
            people.opportunity_id = opportunity_person_links.opportunity_id
            and opportunity_person_links.link_number = 1
),

account_links as (
    select
        journey_identity,
        account_id,
        row_number() over (
            partition by journey_identity order by occurred_at, event_id
        ) as link_number
    from journeys
    where account_id is not null and journey_identity is not null
),

journey_events as (
    select
        journeys.event_id,
        journeys.person_identity,
        journeys.resolved_person_identity,
        journeys.journey_identity,
        account_links.account_id as journey_account_id,
        {{ email_domain("case when journeys.resolved_person_identity like 'email:%' "
            ~ "then substring(journeys.resolved_person_identity, 7) end") }}
            as person_email_domain
    from journeys
    left join account_links
        on
            journeys.journey_identity = account_links.journey_identity
            and account_links.link_number = 1
    where journeys.journey_identity is not null
),

final as (
    select
        events.*,
        journey_events.person_identity,
        journey_events.resolved_person_identity,
        journey_events.journey_identity,
        journey_events.journey_account_id,
        journey_events.person_email_domain,
        {{ salted_hash('journey_events.journey_identity') }} as journey_key,
        case
            when journey_events.resolved_person_identity is not null then 'person'
            else 'opportunity'
        end as journey_type,
        case
            when journey_events.resolved_person_identity is not null
                then {{ salted_hash('journey_events.resolved_person_identity') }}
        end as person_key,
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
        end as account_key
    from journey_events
    inner join events
        on journey_events.event_id = events.event_id
    left join free_mail_domains
        on journey_events.person_email_domain = free_mail_domains.domain
)

select * from final
