{{ stage_raw_events(source('sales', 'sales_events')) }}
