{#- Renames, types and deduplicates one raw event stream. Both streams share the raw
    contract, so their staging models share this one definition. -#}
{% macro stage_raw_events(source_relation) -%}
{%- set columns = [
    'event_id', 'event_type', 'occurred_at', 'source_system', 'anonymous_id', 'email',
    'contact_id', 'account_id', 'opportunity_id', 'campaign_id', 'channel', 'content_id',
    'owner_id', 'amount', 'currency', 'reason', 'properties', 'industry', 'company_size',
    'seniority', 'loaded_at', 'load_id',
] -%}
with

source as (
    select * from {{ source_relation }}
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
),

deduplicated as (
    select
        *,
        row_number() over (partition by event_id order by loaded_at, load_id) as event_copy_number
    from renamed
),

final as (
    select
        {%- for column in columns %}
        {{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from deduplicated
    where event_copy_number = 1
)

select * from final
{%- endmacro %}
