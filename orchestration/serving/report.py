"""The funnel in pictures: volumes and conversion by stage, time in stage, SLA compliance.

Every figure is read from the published serving copy (what BI tools see) and from the marts
that define it, so the report never computes a formula of its own:

- volumes and conversion: `stage_velocity` (journeys that entered each forward stage, those
  that moved on to a forward stage, and the conversion rate, moved on / entered, which is
  one minus its drop-off rate: the `funnel_conversion` definition);
- time in stage: `stage_velocity` (median and 90th percentile days, over completed entries);
- SLA compliance: journeys in each stage with an SLA now, within it or stalled past it
  (`stage_velocity`, `stalled_journeys`), and the share of due handoffs answered within the
  handoff SLA (`handoff_performance`);
- lead-to-customer rate: the won rate at the first stage (`funnel_conversion_by_cohort`).

Stage names, order and SLA hours come from `dim_stages`, which comes from the seeds.
"""

from __future__ import annotations

import base64
import html
import textwrap
from dataclasses import dataclass
from pathlib import Path

import duckdb
import matplotlib
import pandas as pd

matplotlib.use("Agg")  # no display: render to files only

import matplotlib.pyplot as plt

FUNNEL_SQL = """
select
    stages.stage_key,
    stages.stage_name,
    stages.stage_order,
    coalesce(velocity.journeys_entered_count, 0) as journeys,
    coalesce(velocity.journeys_moved_on_count, 0) as moved_on,
    1 - velocity.drop_off_rate as conversion_rate
from marts.dim_stages as stages
left join marts.stage_velocity as velocity on stages.stage_key = velocity.stage_key
where not stages.is_exit
order by stages.stage_order
"""

DURATION_SQL = """
select
    stages.stage_key,
    stages.stage_name,
    stages.stage_order,
    velocity.completed_entries_count as completed_entries,
    velocity.median_days_in_stage as median_days,
    velocity.p90_days_in_stage as p90_days
from marts.dim_stages as stages
inner join marts.stage_velocity as velocity on stages.stage_key = velocity.stage_key
where velocity.completed_entries_count > 0
order by stages.stage_order
"""

SLA_SQL = """
select
    stages.stage_key,
    stages.stage_name,
    stages.stage_order,
    stages.sla_key,
    stages.sla_hours,
    coalesce(velocity.journeys_in_stage_count, 0) as journeys_in_stage,
    coalesce(velocity.stalled_journeys_count, 0) as stalled,
    coalesce(velocity.journeys_in_stage_count, 0) - coalesce(velocity.stalled_journeys_count, 0)
        as within_sla,
    1 - velocity.stalled_journeys_count / nullif(velocity.journeys_in_stage_count, 0)
        as share_within_sla
from marts.dim_stages as stages
left join marts.stage_velocity as velocity on stages.stage_key = velocity.stage_key
where stages.sla_key is not null
order by stages.stage_order
"""

HEADLINE_SQL = """
with

handoffs as (
    select
        cast(coalesce(sum(handoffs_count), 0) as bigint) as handoffs,
        cast(coalesce(sum(due_count), 0) as bigint) as due,
        cast(coalesce(sum(within_sla_count), 0) as bigint) as within_sla,
        sum(within_sla_count) / nullif(sum(due_count), 0) as sla_compliance_rate
    from marts.handoff_performance
),

first_stage as (
    select sum(journeys_reached_won_count) / nullif(sum(journeys_entered_count), 0)
        as lead_to_customer_rate
    from marts.funnel_conversion_by_cohort
    where stage_order = (select min(stage_order) from marts.dim_stages)
)

select * from handoffs cross join first_stage
"""


@dataclass(frozen=True)
class FunnelFigures:
    """The three tables the report draws."""

    funnel: pd.DataFrame
    durations: pd.DataFrame
    sla: pd.DataFrame
    headlines: pd.DataFrame


def read_figures(serving_database: Path) -> FunnelFigures:
    """Query the serving copy read-only."""
    with duckdb.connect(str(serving_database), read_only=True) as con:
        return FunnelFigures(
            funnel=con.sql(FUNNEL_SQL).df(),
            durations=con.sql(DURATION_SQL).df(),
            sla=con.sql(SLA_SQL).df(),
            headlines=con.sql(HEADLINE_SQL).df(),
        )


def render_png(figures: FunnelFigures, path: Path) -> Path:
    """One PNG with three panels: funnel, time in stage, SLA compliance."""
    fig, (funnel_ax, duration_ax, sla_ax) = plt.subplots(1, 3, figsize=(18, 6), dpi=100)
    _draw_funnel(funnel_ax, figures.funnel)
    _draw_durations(duration_ax, figures.durations)
    _draw_sla(sla_ax, figures.sla, figures.headlines)
    fig.suptitle("Revenue funnel", fontsize=16, fontweight="bold")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    plt.close(fig)
    return path


def _draw_funnel(ax: plt.Axes, funnel: pd.DataFrame) -> None:
    labels = funnel["stage_name"].tolist()[::-1]
    volumes = funnel["journeys"].tolist()[::-1]
    rates = funnel["conversion_rate"].tolist()[::-1]
    bars = ax.barh(labels, volumes, color="#3b6ea5")
    for bar, volume, rate in zip(bars, volumes, rates, strict=True):
        text = f"{int(volume):,}" + ("" if pd.isna(rate) else f"  ({rate:.0%} moved on)")
        ax.annotate(
            text,
            (bar.get_width(), bar.get_y() + bar.get_height() / 2),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=9,
        )
    ax.set_title("Journeys entering each stage, and share that moved on")
    ax.set_xlabel("journeys")
    ax.margins(x=0.35)


def _draw_durations(ax: plt.Axes, durations: pd.DataFrame) -> None:
    if durations.empty:
        ax.text(0.5, 0.5, "no journey has left a stage yet", ha="center", transform=ax.transAxes)
    else:
        positions = range(len(durations))
        ax.bar([p - 0.2 for p in positions], durations["median_days"], 0.4, label="median")
        ax.bar([p + 0.2 for p in positions], durations["p90_days"], 0.4, label="90th percentile")
        ax.set_xticks(list(positions), durations["stage_name"], rotation=30, ha="right")
        ax.legend()
    ax.set_title("Time in stage before the next stage (days)")
    ax.set_ylabel("days")


def _draw_sla(ax: plt.Axes, sla: pd.DataFrame, headlines: pd.DataFrame) -> None:
    if sla.empty:
        ax.text(0.5, 0.5, "no stage has an SLA", ha="center", transform=ax.transAxes)
    else:
        labels = [
            f"{textwrap.fill(row.stage_name, 16)}\n(SLA {row.sla_hours:g} h)"
            for row in sla.itertuples()
        ]
        ax.bar(labels, sla["within_sla"], color="#4c9a5b", label="within SLA")
        ax.bar(labels, sla["stalled"], bottom=sla["within_sla"], color="#c0504d", label="past SLA")
        for index, row in enumerate(sla.itertuples()):
            if not pd.isna(row.share_within_sla):
                ax.annotate(
                    f"{row.share_within_sla:.0%} within",
                    (index, row.journeys_in_stage),
                    ha="center",
                    va="bottom",
                    fontsize=9,
                )
        ax.set_ylim(0, max(1, sla["journeys_in_stage"].max()) * 1.3)
        ax.tick_params(axis="x", labelsize=8)
        ax.legend(loc="upper right")
    rate = headlines["sla_compliance_rate"].iloc[0]
    if not pd.isna(rate):
        ax.text(
            0.02,
            0.97,
            f"Handoffs answered within SLA: {rate:.0%}",
            transform=ax.transAxes,
            va="top",
            fontweight="bold",
        )
    ax.set_title("Journeys in a stage with an SLA, now")
    ax.set_ylabel("journeys")


def render_html(figures: FunnelFigures, png: Path, path: Path) -> Path:
    """A self-contained HTML page: the picture (embedded) and the numbers behind it."""
    image = base64.b64encode(png.read_bytes()).decode("ascii")
    body = "\n".join(
        [
            "<h1>Revenue funnel</h1>",
            f'<img alt="Revenue funnel" src="data:image/png;base64,{image}" style="width:100%">',
            "<h2>Funnel: volumes and conversion by stage</h2>",
            _html_table(figures.funnel, ["stage_name", "journeys", "moved_on", "conversion_rate"]),
            "<h2>Time in stage (days)</h2>",
            _html_table(
                figures.durations, ["stage_name", "completed_entries", "median_days", "p90_days"]
            ),
            "<h2>SLA compliance</h2>",
            _html_table(
                figures.sla,
                [
                    "stage_name",
                    "sla_key",
                    "sla_hours",
                    "journeys_in_stage",
                    "within_sla",
                    "stalled",
                    "share_within_sla",
                ],
            ),
            "<h2>Headlines: handoffs answered within their SLA, lead-to-customer rate</h2>",
            _html_table(
                figures.headlines,
                ["handoffs", "due", "within_sla", "sla_compliance_rate", "lead_to_customer_rate"],
            ),
            f"<p><small>{html.escape(__doc__.split(chr(10) + chr(10), 1)[1])}</small></p>",
        ]
    )
    page = (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>Revenue funnel</title><style>body{font-family:sans-serif;margin:2em}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px}"
        "small{white-space:pre-wrap}</style></head><body>\n"
        f"{body}\n</body></html>\n"
    )
    path.write_text(page, encoding="utf-8")
    return path


def _html_table(frame: pd.DataFrame, columns: list[str]) -> str:
    return frame[columns].to_html(index=False, float_format=lambda x: f"{x:,.2f}", na_rep="")


def markdown_summary(figures: FunnelFigures, png: Path) -> str:
    """Markdown for the Dagster UI: the picture inline, then the funnel as a table."""
    image = base64.b64encode(png.read_bytes()).decode("ascii")
    lines = [
        f"![Revenue funnel](data:image/png;base64,{image})",
        "",
        "| stage | journeys | moved on | conversion |",
        "| --- | ---: | ---: | ---: |",
    ]
    for row in figures.funnel.itertuples():
        rate = "" if pd.isna(row.conversion_rate) else f"{row.conversion_rate:.1%}"
        lines.append(f"| {row.stage_name} | {row.journeys:,} | {row.moved_on:,} | {rate} |")
    return "\n".join(lines)
