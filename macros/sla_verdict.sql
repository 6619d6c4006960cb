{#- The SLA verdict of one clock, as three columns: is_due (the clock stopped, or the time
    allowed is up), is_sla_breached (stopped late, or still running past its due time) and
    hours_over_sla (how late, up to the stop or to the end of the data). One definition for
    the handoff SLA and the later stage SLAs. -#}
{% macro sla_verdict(stopped_at, due_at, as_of) -%}
    {%- for column, expression in _sla_verdict_columns(stopped_at, due_at, as_of).items() %}
        {{ expression }} as {{ column }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- Post-hook of the incremental SLA clock tables: on an incremental run, measures every
    clock still running (stopped_at null) again to the end of the data (data_end): its
    sla_verdict columns and `measures` (column: expression, with the end of the data as
    data_as_of). A running clock's other columns come from its own journey, which the insert
    derived again if this run touched it, so only these change. -#}
{% macro remeasure_running_clocks(stopped_at, due_at, measures={}) -%}
    {%- if is_incremental() -%}
        {%- set columns = _sla_verdict_columns(stopped_at, due_at, 'data_end.data_as_of') -%}
        {%- do columns.update(measures) -%}
        update {{ this }}
        set
        {%- for column, expression in columns.items() %}
            {{ column }} = {{ expression }}{{ ',' if not loop.last }}
        {%- endfor %}
        from ({{ data_end() }}) as data_end
        where {{ stopped_at }} is null
    {%- endif -%}
{%- endmacro %}

{#- The verdict columns of sla_verdict, by name. -#}
{% macro _sla_verdict_columns(stopped_at, due_at, as_of) -%}
    {{ return({
        'is_due': stopped_at ~ ' is not null or ' ~ due_at ~ ' <= ' ~ as_of,
        'is_sla_breached':
            'coalesce(' ~ stopped_at ~ ' > ' ~ due_at ~ ', ' ~ due_at ~ ' < ' ~ as_of ~ ')',
        'hours_over_sla':
            'case when ' ~ stopped_at ~ ' > ' ~ due_at ~ ' then ' ~ hours_between(due_at, stopped_at)
            ~ ' when ' ~ stopped_at ~ ' is null and ' ~ due_at ~ ' < ' ~ as_of
            ~ ' then ' ~ hours_between(due_at, as_of) ~ ' end',
    }) }}
{%- endmacro %}
