{{ stage_raw_events(source('marketing', 'marketing_events')) }}

{#- Built after int_event_loads_scoped, so this run's load watermark is in place when the
    data tests of this model check only the events loaded since (loaded_this_run). -#}
-- depends_on: {{ ref('int_event_loads_scoped') }}
