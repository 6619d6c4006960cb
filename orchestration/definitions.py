"""The one Dagster entry point of the revenue funnel warehouse."""

from __future__ import annotations

import dagster as dg

from orchestration.assets.dbt import funnel_dbt_assets
from orchestration.assets.raw import raw_event_assets
from orchestration.resources import build_resources
from orchestration.schedules import daily_schedule, funnel_job, landing_file_sensor

defs = dg.Definitions(
    assets=[*raw_event_assets, funnel_dbt_assets],
    jobs=[funnel_job],
    schedules=[daily_schedule],
    sensors=[landing_file_sensor],
    resources=build_resources(),
)
