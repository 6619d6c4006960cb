"""The funnel in pictures, drawn from the serving copy and shown in the Dagster UI."""

import dagster as dg
import pandas as pd

from orchestration.assets.serving import SERVING_MARTS_KEY
from orchestration.resources import WarehouseResource
from orchestration.serving.locations import (
    REPORT_HTML,
    REPORT_PNG,
    SERVING_DATABASE,
    ServingResource,
)
from orchestration.serving.report import (
    FunnelFigures,
    markdown_summary,
    read_figures,
    render_html,
    render_png,
)

FUNNEL_REPORT_KEY = dg.AssetKey(["reports", "funnel_report"])


def figure_metadata(figures: FunnelFigures) -> dict[str, dg.MetadataValue]:
    """Headline numbers, so they can be plotted over runs in the UI."""
    metadata: dict[str, dg.MetadataValue] = {
        f"journeys_{row.stage_key}": dg.MetadataValue.int(int(row.journeys))
        for row in figures.funnel.itertuples()
    }
    for row in figures.sla.itertuples():
        metadata[f"stalled_{row.stage_key}"] = dg.MetadataValue.int(int(row.stalled))
    for rate in ("sla_compliance_rate", "lead_to_customer_rate"):
        value = figures.headlines[rate].iloc[0]
        if not pd.isna(value):
            metadata[rate] = dg.MetadataValue.float(round(float(value), 4))
    return metadata


@dg.asset(
    key=FUNNEL_REPORT_KEY,
    deps=[SERVING_MARTS_KEY],
    group_name="reports",
    kinds={"python", "html"},
    owners=["team:analytics-engineering"],
    tags={"layer": "reports", "audience": "stakeholders"},
    description=(
        "The funnel in pictures: journeys entering each stage and the share that moved on, "
        "time in stage (median and 90th percentile), journeys within or past each stage's SLA "
        "and the handoff SLA compliance rate, as "
        "`funnel_report.png` and a self-contained `funnel_report.html` beside the serving "
        "copy. Read from the serving copy, like any BI tool."
    ),
)
def funnel_report(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, serving: ServingResource
) -> dg.MaterializeResult:
    folder = serving.folder(warehouse.database)
    figures = read_figures(folder / SERVING_DATABASE)
    png = render_png(figures, folder / REPORT_PNG)
    page = render_html(figures, png, folder / REPORT_HTML)
    context.log.info(f"wrote {png} and {page}")
    return dg.MaterializeResult(
        metadata={
            "preview": dg.MetadataValue.md(markdown_summary(figures, png)),
            "png": dg.MetadataValue.path(str(png)),
            "html": dg.MetadataValue.path(str(page)),
            **figure_metadata(figures),
        }
    )
