"""The record of finished builds, as the Dagster job and the raw suites read it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb

from orchestration.builds_completed import seed_checksums, seeds_changed_since_last_build
from orchestration.paths import SEEDS_DIR
from orchestration.seeds import read_seed
from tests.conftest import BuiltWarehouse
from tests.dbt_runner import copy_project, dbt
from tests.e2e.test_seed_changes_change_results import write_lead_rule


def parsed_manifest(project: Path, database: Path) -> dict:
    dbt(["parse"], database, project_dir=project)
    target = database.parent / f"dbt_target_{database.stem}"
    return json.loads((target / "manifest.json").read_text())


def test_the_record_and_the_manifest_list_the_seeds_alike(
    warehouse: BuiltWarehouse, tmp_path: Path
):
    recorded = warehouse.scalar(
        "select seed_checksums from intermediate.int_journey_builds_completed"
        " order by completed_run_at desc limit 1"
    )
    # dbt's checksum of a seed is the sha256 of its file's text without surrounding space.
    files = sorted(SEEDS_DIR.glob("*.csv"))
    expected = ",".join(
        f"{path.stem}:{hashlib.sha256(path.read_bytes().strip()).hexdigest()}" for path in files
    )
    assert len(files) > 10
    assert recorded == expected
    manifest = parsed_manifest(copy_project(tmp_path / "project"), tmp_path / "parse.duckdb")
    assert seed_checksums(manifest) == expected


def test_a_changed_seed_is_seen_and_an_unchanged_one_is_not(
    warehouse: BuiltWarehouse, tmp_path: Path
):
    project = copy_project(tmp_path / "project")
    unchanged = parsed_manifest(project, tmp_path / "before.duckdb")
    (rule,) = read_seed("lead_rule")
    write_lead_rule(project, int(rule["fit_threshold"]) + 1, int(rule["engagement_threshold"]))
    changed = parsed_manifest(project, tmp_path / "after.duckdb")

    assert not seeds_changed_since_last_build(warehouse.database, unchanged)
    assert seeds_changed_since_last_build(warehouse.database, changed)
    # No finished build recorded: nothing to compare with.
    assert not seeds_changed_since_last_build(tmp_path / "missing.duckdb", changed)
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    assert not seeds_changed_since_last_build(empty, changed)
