{#- The calendar covers every day from the first to the last event, read at run time. -#}
{%- set first_date, last_date = '2000-01-01', '2000-01-02' -%}
{%- if execute -%}
{%- set bounds = run_query(
    'select cast(min(occurred_at) as date), cast(max(occurred_at) as date) + 1 from '
    ~ ref('int_events_unioned')
) -%}
{%- if bounds.rows[0][0] is not none -%}
{%- set first_date, last_date = bounds.rows[0][0] | string, bounds.rows[0][1] | string -%}
{%- endif -%}
{%- endif -%}
with

spine as (
    {{ dbt.date_spine(
        'day',
        "cast('" ~ first_date ~ "' as date)",
        "cast('" ~ last_date ~ "' as date)",
    ) }}
),

final as (
    select
        cast(date_day as date) as date_day,
        cast(extract(year from date_day) as integer) as calendar_year,
        cast(extract(quarter from date_day) as integer) as calendar_quarter,
        cast(extract(month from date_day) as integer) as calendar_month,
        cast({{ dbt.date_trunc('week', 'date_day') }} as date) as week_start_date,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start_date,
        cast(extract(isodow from date_day) as integer) as iso_day_of_week
    from spine
)

select * from final

-- depends_on: {{ ref('int_events_unioned') }}
