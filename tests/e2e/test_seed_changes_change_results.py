"""The lead rule lives only in its seed: changing the seed changes who is an MQL.

The expected counts follow from the seeds alone, not from the models: with a fit
threshold above the highest fit score the fit points allow, nobody can qualify; with both
thresholds at zero, every person qualifies the moment they become a lead. An incremental
build after a seed change would re-derive only the journeys with new events by the new
rule, so it stops instead, naming the fix (`--full-refresh`).
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.builds_completed import full_refresh_needed
from orchestration.seeds import read_seed
from tests.conftest import BuiltWarehouse
from tests.dbt_runner import copy_project, dbt


def max_fit_score() -> int:
    best: dict[str, int] = {}
    for row in read_seed("lead_fit_points"):
        best[row["attribute"]] = max(best.get(row["attribute"], 0), int(row["points"]))
    return sum(best.values())


def write_lead_rule(project: Path, fit: int, engagement: int) -> None:
    (rule,) = read_seed("lead_rule")
    rule.update(fit_threshold=str(fit), engagement_threshold=str(engagement))
    with (project / "seeds" / "lead_rule.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rule))
        writer.writeheader()
        writer.writerow(rule)


def rebuild_with_lead_rule(
    warehouse: BuiltWarehouse, tmp_path: Path, fit: int, engagement: int
) -> Path:
    project = copy_project(tmp_path / "project")
    write_lead_rule(project, fit, engagement)
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


# The build's first model and the check that reads it: enough to see the build stop.
FULL_REFRESH_CHECK = ["build", "--select", "int_event_loads_scoped",
                      "assert_no_full_refresh_needed"]  # fmt: skip


def run_results(database: Path) -> dict:
    target = database.parent / f"dbt_target_{database.stem}"
    return json.loads((target / "run_results.json").read_text())


def test_an_incremental_build_after_a_seed_change_stops_and_names_the_fix(
    warehouse: BuiltWarehouse, tmp_path: Path
):
    project = copy_project(tmp_path / "project")
    database = tmp_path / "warehouse.duckdb"
    shutil.copy2(warehouse.database, database)
    dbt(FULL_REFRESH_CHECK, database, project_dir=project)  # the seeds the job built with
    assert not full_refresh_needed(run_results(database))
    # A seed no incremental model reads (the revenue target feeds one table mart): a
    # target twice as high changes no journey.
    (target,) = read_seed("revenue_targets")
    target["revenue_target_usd"] = str(2 * int(target["revenue_target_usd"]))
    with (project / "seeds" / "revenue_targets.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(target))
        writer.writeheader()
        writer.writerow(target)
    dbt(FULL_REFRESH_CHECK, database, project_dir=project)

    (rule,) = read_seed("lead_rule")
    write_lead_rule(project, int(rule["fit_threshold"]) + 1, int(rule["engagement_threshold"]))
    with pytest.raises(AssertionError, match="assert_no_full_refresh_needed"):
        dbt(FULL_REFRESH_CHECK, database, project_dir=project)
    # The Dagster job reads this from the run results and builds again with --full-refresh.
    assert full_refresh_needed(run_results(database))
    with duckdb.connect(str(database), read_only=True) as con:
        (message, then, now) = con.execute(
            "select * from audit.assert_no_full_refresh_needed"
        ).fetchone()
    assert "seeds changed" in message and "--full-refresh" in message
    changed = {seed for seed in now.split(",") if seed not in then.split(",")}
    assert [seed.split(":")[0] for seed in changed] == ["lead_rule"]
