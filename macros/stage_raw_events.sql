{#- Renames and types one raw event stream. Both streams share the raw contract, so their
    staging models share this one definition. No deduplication here: the loader admits each
    event_id once across all streams, and assert_event_ids_unique_across_streams holds it
    to that, so a second sort of every event would buy nothing. -#}
{% macro stage_raw_events(source_relation) -%}
with

source as (
    select * from {{ source_relation }}
    where {{ finished_loads(source_relation) }}
),

renamed as (
    select
        event_id,
        event_type,
        occurred_at,
        nullif(trim(source_system), '') as source_system,
        anonymous_id,
        {{ normalise_email('email') }} as email,
        contact_id,
        account_id,
        opportunity_id,
        campaign_id,
        channel,
        content_id,
        owner_id,
        amount,
        upper(currency) as currency,
        reason,
        properties,
        {{ json_text('properties', 'industry') }} as industry,
        {{ json_text('properties', 'company_size') }} as company_size,
        {{ json_text('properties', 'seniority') }} as seniority,
        _loaded_at as loaded_at,
        _load_id as load_id
    from source
)

select * from renamed
{%- endmacro %}
