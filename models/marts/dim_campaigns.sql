with

events as (
    select * from {{ ref('int_events_unioned') }}
),

campaign_events as (
    select
        campaign_id,
        channel,
        occurred_at,
        case when is_touch then 1 else 0 end as is_touch_event,
        case when not is_person_level and amount is not null then amount else 0 end as spend
    from events
    where campaign_id is not null
),

channel_counts as (
    select
        campaign_id,
        channel,
        count(*) as events,
        row_number() over (partition by campaign_id order by count(*) desc, channel) as channel_rank
    from campaign_events
    where channel is not null
    group by campaign_id, channel
),

final as (
    select
        cast(campaign_events.campaign_id as varchar) as campaign_id,
        cast(max(channel_counts.channel) as varchar) as channel,
        cast(min(campaign_events.occurred_at) as timestamp) as first_seen_at,
        cast(max(campaign_events.occurred_at) as timestamp) as last_seen_at,
        cast(sum(campaign_events.is_touch_event) as bigint) as touch_count,
        cast(sum(campaign_events.spend) as decimal(18, 2)) as total_spend
    from campaign_events
    left join channel_counts
        on
            campaign_events.campaign_id = channel_counts.campaign_id
            and channel_counts.channel_rank = 1
    group by campaign_events.campaign_id
)

select * from final
