{#- Pre-hook of the incremental journey_cohorts: on an incremental run, deletes the rows of
    journeys outside this run's scope whose acquisition campaign's channel (dim_campaigns,
    the fallback of the acquisition channel) no longer matches the row, so the model derives
    them again. A row whose acquisition touch had a channel of its own is deleted too when it
    differs from the campaign's: re-deriving it costs a little, and the row stays right.
    (company_size needs no such check: it is the person's, from their latest event, and a
    person's events are all in their own journey, so it changes only when int_journeys_scoped
    re-derives that journey.) -#}
{% macro delete_journeys_with_changed_campaign_channel() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where journey_key in (
            select cohorts.journey_key
            from {{ this }} as cohorts
            left join {{ ref('dim_campaigns') }} as campaigns
                on cohorts.acquisition_campaign_id = campaigns.campaign_id
            where
                cohorts.acquisition_campaign_id is not null
                and cohorts.acquisition_channel is distinct from campaigns.channel
        )
    {%- endif -%}
{%- endmacro %}
