{{ stage_raw_events(source('marketing', 'marketing_events')) }}
