{#- The SLA verdict of one clock, as three columns: is_due (the clock stopped, or the time
    allowed is up), is_sla_breached (stopped late, or still running past its due time) and
    hours_over_sla (how late, up to the stop or to the end of the data). One definition for
    the handoff SLA and the later stage SLAs. -#}
{% macro sla_verdict(stopped_at, due_at, as_of) -%}
        {{ stopped_at }} is not null or {{ due_at }} <= {{ as_of }} as is_due,
        coalesce({{ stopped_at }} > {{ due_at }}, {{ due_at }} < {{ as_of }}) as is_sla_breached,
        case
            when {{ stopped_at }} > {{ due_at }}
                then {{ hours_between(due_at, stopped_at) }}
            when {{ stopped_at }} is null and {{ due_at }} < {{ as_of }}
                then {{ hours_between(due_at, as_of) }}
        end as hours_over_sla
{%- endmacro %}
