{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_scoped_journeys() }}",
    )
}}
{#- Every forward stage entry (a conversion) with each marketing touch of the journey up to
    and including the converting event, and the touch's credit under every attribution
    model of the attribution_models seed, one list entry per model (stage_attribution
    unnests them into rows). A touch's raw weight is the sum of the weights of the
    positions it holds (first, lead, last, other) plus its every-touch weight, decayed by
    age where the model has a half-life; credits are the raw weights normalised to sum to
    one per conversion and model.

    One row per conversion and touch, not per model as well: positions, ages and touch
    attributes are stored once, and each model's raw weight and normalisation are a list
    entry and a window over the conversion's touches: one expression per model key, which
    seed_values reads from the seed at run time; the weights are joined from the seed.

    Incremental like the journey facts: every column is computed from one journey's own
    events and stage entries (positions, ages and the normalisation are per conversion; the
    attributed revenue is the credit times the conversion's own won amount, no whole-table
    aggregate), so the journeys int_journeys_scoped re-derives this run are deleted (pre-hook)
    and derived again in full, and the result equals a full refresh. -#}
{%- set model_keys = seed_values('attribution_models', 'attribution_model_key') %}
with

all_stage_entries as (
    select * from {{ ref('fct_journey_stage_entries') }}
),

all_journey_events as (
    select * from {{ ref('fct_customer_journey') }}
),

stage_entries as (
    select all_stage_entries.*
    from all_stage_entries
    {{ join_scoped_journeys('all_stage_entries.journey_key') }}
),

journey_events as (
    {#- Only the columns read below: this CTE has two readers, and DuckDB materializes such a
        CTE whole, so `*` would copy every column of every event. -#}
    select
        all_journey_events.event_id,
        all_journey_events.journey_key,
        all_journey_events.event_sequence_number,
        all_journey_events.occurred_at,
        all_journey_events.amount,
        all_journey_events.is_touch,
        all_journey_events.campaign_id,
        all_journey_events.channel,
        all_journey_events.content_id
    from all_journey_events
    {{ join_scoped_journeys('all_journey_events.journey_key', 'all_journey_events.derived_at') }}
),

roles as (
    select * from {{ ref('int_stage_roles') }}
),

models as (
    select * from {{ ref('attribution_models') }}
),

conversions as (
    select
        stage_entries.stage_entry_id,
        stage_entries.journey_key,
        stage_entries.stage_key,
        stage_entries.entered_at,
        roles.is_first_stage,
        roles.is_won_stage,
        entering_events.event_sequence_number,
        entering_events.amount
    from stage_entries
    inner join roles
        on stage_entries.stage_key = roles.stage_key
    inner join journey_events as entering_events
        on stage_entries.entered_by_event_id = entering_events.event_id
    where roles.is_forward_stage
),

touches as (
    select
        journey_key,
        event_id,
        event_sequence_number,
        occurred_at,
        campaign_id,
        channel,
        content_id
    from journey_events
    where is_touch
),

first_stage_entries as (
    select
        journey_key,
        min(event_sequence_number) as event_sequence_number
    from conversions
    where is_first_stage
    group by journey_key
),

lead_touches as (
    {#- The journey's last touch up to its first stage entry, and its number among the
        journey's touches (every touch up to it is counted). -#}
    select
        touches.journey_key,
        max(touches.event_sequence_number) as lead_touch_sequence_number,
        count(*) as lead_touch_number
    from touches
    inner join first_stage_entries
        on
            touches.journey_key = first_stage_entries.journey_key
            and touches.event_sequence_number <= first_stage_entries.event_sequence_number
    group by touches.journey_key
),

conversion_touches as (
    select
        conversions.stage_entry_id,
        conversions.journey_key,
        conversions.stage_key,
        conversions.entered_at,
        touches.event_id as touch_event_id,
        touches.occurred_at as touch_occurred_at,
        touches.campaign_id,
        touches.channel,
        touches.content_id,
        case when conversions.is_won_stage then conversions.amount end as won_amount,
        coalesce(touches.event_sequence_number = lead_touches.lead_touch_sequence_number, false)
            as is_lead_touch,
        lead_touches.lead_touch_number,
        row_number() over (
            partition by conversions.stage_entry_id order by touches.event_sequence_number
        ) as touch_number,
        count(*) over (partition by conversions.stage_entry_id) as touches_count,
        {{ days_between('touches.occurred_at', 'conversions.entered_at') }}
            as days_before_conversion
    from conversions
    inner join touches
        on
            conversions.journey_key = touches.journey_key
            and conversions.event_sequence_number >= touches.event_sequence_number
    left join lead_touches
        on conversions.journey_key = lead_touches.journey_key
),

positioned as (
    select
        *,
        touch_number = 1 as is_first_touch,
        touch_number = touches_count as is_last_touch
    from conversion_touches
),

counted as (
    {#- The other touches hold no position: neither first nor last, and not the lead touch
        under a model with a lead weight. A conversion's touches are the journey's first
        touches_count touches, numbered in order, so these counts follow from the numbers
        alone (no second window over the conversion's touches): all but the first and the
        last are middle touches, and the lead touch is one of them when its number lies
        strictly between. -#}
    select
        *,
        greatest(touches_count - 2, 0) as middle_touches_count,
        case
            when lead_touch_number > 1 and lead_touch_number < touches_count then 1 else 0
        end as middle_lead_touches_count
    from positioned
),

weighted as (
    {#- The raw weight under each attribution model, in key order: model_<n> is the seed row
        of the n-th key. (DuckDB takes the trailing comma the loop leaves in the list.) -#}
    select
        counted.*,
        [
            {%- for model_key in model_keys %}
            {%- set model = 'model_' ~ loop.index %}
            case when counted.is_first_touch then {{ model }}.first_touch_weight else 0 end
            + case
                when counted.is_lead_touch and {{ model }}.lead_touch_weight > 0
                    then {{ model }}.lead_touch_weight
                else 0
            end
            + case when counted.is_last_touch then {{ model }}.last_touch_weight else 0 end
            + case
                when
                    not counted.is_first_touch
                    and not counted.is_last_touch
                    and not (counted.is_lead_touch and {{ model }}.lead_touch_weight > 0)
                    then {{ model }}.other_touches_weight / (
                        counted.middle_touches_count - case
                            when {{ model }}.lead_touch_weight > 0
                                then counted.middle_lead_touches_count
                            else 0
                        end
                    )
                else 0
            end
            + {{ model }}.every_touch_weight * case
                when {{ model }}.half_life_days is null then 1
                else power(0.5, counted.days_before_conversion / {{ model }}.half_life_days)
            end,
            {%- endfor %}
        ] as raw_weights
    from counted
    {% for model_key in model_keys %}
    inner join models as model_{{ loop.index }}
        on model_{{ loop.index }}.attribution_model_key = '{{ model_key }}'
    {% endfor %}
),

credited as (
    {#- Each model's raw weights normalised over the conversion's touches. -#}
    select
        weighted.*,
        [
            {%- for model_key in model_keys %}
            {%- set raw_weight = 'weighted.raw_weights[' ~ loop.index ~ ']' %}
            {
                'attribution_model_key': '{{ model_key }}',
                'attribution_credit': cast(
                    {{ raw_weight }} / nullif(sum({{ raw_weight }}) over (
                        partition by weighted.stage_entry_id
                    ), 0) as decimal(18, 6)
                ),
                'attributed_revenue_usd': cast(
                    weighted.won_amount * {{ raw_weight }} / nullif(sum({{ raw_weight }}) over (
                        partition by weighted.stage_entry_id
                    ), 0) as decimal(18, 2)
                )
            },
            {%- endfor %}
        ] as attribution_credits
    from weighted
),

final as (
    select
        cast(stage_entry_id as varchar) as stage_entry_id,
        cast(touch_event_id as varchar) as touch_event_id,
        cast(journey_key as varchar) as journey_key,
        cast(stage_key as varchar) as stage_key,
        cast(entered_at as timestamp) as converted_at,
        cast(touch_occurred_at as timestamp) as touch_occurred_at,
        cast(campaign_id as varchar) as campaign_id,
        cast(channel as varchar) as channel,
        cast(content_id as varchar) as content_id,
        cast(touch_number as integer) as touch_number,
        cast(touches_count as integer) as touches_count,
        cast(is_first_touch as boolean) as is_first_touch,
        cast(is_lead_touch as boolean) as is_lead_touch,
        cast(is_last_touch as boolean) as is_last_touch,
        cast(days_before_conversion as double) as days_before_conversion,
        attribution_credits
    from credited
)

select * from final

-- depends_on: {{ ref('int_journeys_scoped') }}
