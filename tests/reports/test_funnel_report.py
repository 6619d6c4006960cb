"""The funnel report: figures taken from the marts as they are, drawn, and shown in Dagster."""

from __future__ import annotations

import base64
import io
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import matplotlib.image
import pytest

from orchestration.assets.reports import FUNNEL_REPORT_KEY, funnel_report
from orchestration.resources import WarehouseResource
from orchestration.serving.locations import (
    REPORT_HTML,
    REPORT_PNG,
    SERVING_DATABASE,
    ServingResource,
)
from orchestration.serving.report import read_figures, render_html, render_png

# A hand-made serving copy: three forward stages, one exit, SLAs on two stages.
SMALL_MARTS = """
create schema marts;
create table marts.dim_stages as select * from (values
    ('lead', 'Lead', 1, false, null, null),
    ('mql', 'Marketing qualified lead', 2, false, 'handoff_response', 24),
    ('customer', 'Customer', 3, false, 'onboarding', 48),
    ('lost', 'Lost', 4, true, null, null)
) as t(stage_key, stage_name, stage_order, is_exit, sla_key, sla_hours);
create table marts.stage_velocity as select * from (values
    ('lead', 1, 10, 8, 1.5, 4.0, 2, 0, 10, 6, 0.4),
    ('mql', 2, 6, 5, 3.0, 9.0, 1, 1, 6, 3, 0.5),
    ('customer', 3, 3, 0, null, null, 3, 1, 3, 0, null),
    ('lost', 4, 2, 0, null, null, 2, 0, null, null, null)
) as t(stage_key, stage_order, stage_entries_count, completed_entries_count,
       median_days_in_stage, p90_days_in_stage, journeys_in_stage_count,
       stalled_journeys_count, journeys_entered_count, journeys_moved_on_count, drop_off_rate);
create table marts.handoff_performance as select * from (values
    ('o1', 5, 4, 3), ('o2', 2, 2, 2)
) as t(owner_id, handoffs_count, due_count, within_sla_count);
create table marts.funnel_conversion_by_cohort as select * from (values
    ('2025-01', 1, 6, 2), ('2025-02', 1, 4, 1), ('2025-01', 2, 4, 2)
) as t(cohort_month, stage_order, journeys_entered_count, journeys_reached_won_count);
"""


@pytest.fixture
def small_serving(tmp_path: Path) -> Path:
    path = tmp_path / SERVING_DATABASE
    with duckdb.connect(str(path)) as con:
        con.execute(SMALL_MARTS)
    return path


def test_figures_are_the_marts_figures(small_serving: Path):
    figures = read_figures(small_serving)
    funnel = figures.funnel.set_index("stage_key")
    assert list(funnel.index) == ["lead", "mql", "customer"]  # forward stages, in order
    assert funnel["journeys"].tolist() == [10, 6, 3]
    assert funnel["moved_on"].tolist() == [6, 3, 0]
    assert funnel["conversion_rate"].tolist()[:2] == pytest.approx([0.6, 0.5])
    assert funnel["conversion_rate"].isna().tolist() == [False, False, True]  # the won stage
    assert figures.durations["stage_key"].tolist() == ["lead", "mql"]  # completed entries only
    assert figures.durations["median_days"].tolist() == [1.5, 3.0]
    sla = figures.sla.set_index("stage_key")
    assert sla["within_sla"].to_dict() == {"mql": 0, "customer": 2}
    assert sla["stalled"].to_dict() == {"mql": 1, "customer": 1}
    headlines = figures.headlines.iloc[0]
    assert headlines["sla_compliance_rate"] == pytest.approx(5 / 6)
    assert headlines["lead_to_customer_rate"] == pytest.approx(3 / 10)


def test_png_and_html_are_written_and_self_contained(small_serving: Path, tmp_path: Path):
    figures = read_figures(small_serving)
    png = render_png(figures, tmp_path / REPORT_PNG)
    image = matplotlib.image.imread(png)
    assert image.shape[0] >= 400 and image.shape[1] >= 1200
    assert image[..., :3].std() > 0.05, "the picture is blank"
    page = render_html(figures, png, tmp_path / REPORT_HTML).read_text(encoding="utf-8")
    assert base64.b64encode(png.read_bytes()).decode() in page
    assert "Marketing qualified lead" in page
    assert "http://" not in page and "https://" not in page


@pytest.mark.slow
def test_report_asset_shows_the_picture_in_dagster(warehouse, tmp_path):
    # Its own folder: the session's serving copy is shared with tests running alongside.
    folder = tmp_path / "serving"
    folder.mkdir()
    shutil.copy2(warehouse.database.parent / SERVING_DATABASE, folder / SERVING_DATABASE)
    result = dg.materialize(
        [funnel_report],
        resources={
            "warehouse": WarehouseResource(
                database_path=str(warehouse.database), landing_path=str(warehouse.landing)
            ),
            "serving": ServingResource(directory=str(folder)),
        },
    )
    assert result.success
    (materialization,) = result.asset_materializations_for_node(funnel_report.op.name)
    assert materialization.asset_key == FUNNEL_REPORT_KEY
    metadata = materialization.metadata
    preview = metadata["preview"].value
    encoded = preview.split("data:image/png;base64,", 1)[1].split(")", 1)[0]
    shown = matplotlib.image.imread(io.BytesIO(base64.b64decode(encoded)), format="png")
    assert shown.shape == matplotlib.image.imread(folder / REPORT_PNG).shape
    assert metadata["png"].value == str(folder / REPORT_PNG)
    assert metadata["html"].value == str(folder / REPORT_HTML)
    # The headline figures are the marts' own.
    with duckdb.connect(str(folder / SERVING_DATABASE), read_only=True) as con:
        entered = dict(
            con.execute(
                "select stage_key, journeys_entered_count from marts.stage_velocity "
                "where journeys_entered_count is not null"
            ).fetchall()
        )
    shown_volumes = {
        key.removeprefix("journeys_"): value.value
        for key, value in metadata.items()
        if key.startswith("journeys_")
    }
    assert shown_volumes == entered
    assert entered["lead"] > 0
