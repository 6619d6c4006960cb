"""The lead rule lives only in its seed: changing the seed changes who is an MQL.

The expected counts follow from the seeds alone, not from the models: with a fit
threshold above the highest fit score the fit points allow, nobody can qualify; with both
thresholds at zero, every person qualifies the moment they become a lead.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.seeds import read_seed
from tests.conftest import BuiltWarehouse
from tests.dbt_runner import copy_project, dbt


def max_fit_score() -> int:
    best: dict[str, int] = {}
    for row in read_seed("lead_fit_points"):
        best[row["attribute"]] = max(best.get(row["attribute"], 0), int(row["points"]))
    return sum(best.values())


def rebuild_with_lead_rule(
    warehouse: BuiltWarehouse, tmp_path: Path, fit: int, engagement: int
) -> Path:
    project = copy_project(tmp_path / "project")
    rule_file = project / "seeds" / "lead_rule.csv"
    (rule,) = read_seed("lead_rule")
    rule.update(fit_threshold=str(fit), engagement_threshold=str(engagement))
    with rule_file.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rule))
        writer.writeheader()
        writer.writerow(rule)
    database = tmp_path / "warehouse.duckdb"
    shutil.copy2(warehouse.database, database)
    dbt(["build", "--full-refresh", "--select", "+fct_journey_stage_entries", "--indirect-selection", "cautious", "--exclude",
         "test_type:unit"], database, project_dir=project)  # fmt: skip
    return database


def stage_journeys(database: Path, trigger: str) -> int:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(
            """
            select count(distinct entries.journey_key)
            from marts.fct_journey_stage_entries as entries
            inner join definitions.funnel_stages as stages on entries.stage_key = stages.stage_key
            where stages.entry_trigger = ?
            """,
            [trigger],
        ).fetchone()[0]


@pytest.mark.slow
def test_an_unreachable_fit_threshold_leaves_no_mql(warehouse: BuiltWarehouse, tmp_path: Path):
    assert stage_journeys(warehouse.database, "lead_rule") > 0
    database = rebuild_with_lead_rule(warehouse, tmp_path, fit=max_fit_score() + 1, engagement=0)
    assert stage_journeys(database, "lead_rule") == 0


@pytest.mark.slow
def test_zero_thresholds_make_every_lead_an_mql(warehouse: BuiltWarehouse, tmp_path: Path):
    database = rebuild_with_lead_rule(warehouse, tmp_path, fit=0, engagement=0)
    leads = stage_journeys(database, "identification")
    assert leads == warehouse.ground_truth["journeys_reaching_stage"]["lead"]
    assert stage_journeys(database, "lead_rule") == leads
