"""The one Dagster entry point of the revenue funnel warehouse."""

from __future__ import annotations

import dagster as dg

from orchestration.assets.dbt import funnel_dbt_assets
from orchestration.assets.docs import dbt_docs_site
from orchestration.assets.raw import raw_event_assets, raw_reconciliation_checks
from orchestration.assets.reports import funnel_report
from orchestration.assets.serving import serving_marts
from orchestration.checks.expectations import expectation_checks
from orchestration.resources import build_resources
from orchestration.schedules import daily_schedule, funnel_job, landing_file_sensor
from orchestration.serving.locations import ServingResource

defs = dg.Definitions(
    assets=[*raw_event_assets, funnel_dbt_assets, serving_marts, dbt_docs_site, funnel_report],
    asset_checks=[*raw_reconciliation_checks, *expectation_checks],
    jobs=[funnel_job],
    schedules=[daily_schedule],
    sensors=[landing_file_sensor],
    resources={**build_resources(), "serving": ServingResource()},
)
