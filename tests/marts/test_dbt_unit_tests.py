"""dbt's unit tests run here, in CI, and not in the production build.

The Dagster job builds with `DBT_BUILD_ARGS`, which leaves unit tests out: their inputs are
fixed, so re-running them on every scheduled run would only spend time (dbt recommends
running them in development and CI). This module is where they run: every unit test
declared in the models' YAML must run and pass against a copy of the session warehouse.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

from orchestration.resources import DBT_BUILD_ARGS
from tests.conftest import BuiltWarehouse
from tests.dbt_runner import PROJECT_DIR, dbt, dbt_target


def declared_unit_tests() -> set[str]:
    """Names of the unit tests in the models' YAML files, read without dbt."""
    names = set()
    for path in (PROJECT_DIR / "models").rglob("*.yml"):
        for unit_test in (yaml.safe_load(path.read_text()) or {}).get("unit_tests", []):
            names.add(unit_test["name"])
    return names


def test_every_declared_unit_test_runs_and_passes(warehouse: BuiltWarehouse, tmp_path: Path):
    database = shutil.copyfile(warehouse.database, tmp_path / "warehouse.duckdb")
    dbt(["test", "--select", "test_type:unit"], database)
    results = json.loads((dbt_target(database) / "run_results.json").read_text())["results"]
    ran = {r["unique_id"].split(".")[-1]: r["status"] for r in results}
    expected = declared_unit_tests()
    assert len(expected) >= 10, "the stage logic and formulas are unit tested"
    assert ran == dict.fromkeys(expected, "pass")


def test_the_production_build_leaves_unit_tests_out_and_keeps_data_tests(tmp_path: Path):
    database = tmp_path / "warehouse.duckdb"
    selection = list(DBT_BUILD_ARGS[1:])
    every = dbt(["list", "--resource-type", "all", "--output", "json", "--quiet"], database)
    built = dbt(["list", *selection, "--output", "json", "--quiet"], database)

    def kinds(output: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for line in output.splitlines():
            if line.startswith("{"):
                kind = json.loads(line)["resource_type"]
                counts[kind] = counts.get(kind, 0) + 1
        return counts

    everything, production = kinds(every.stdout), kinds(built.stdout)
    assert everything["unit_test"] == len(declared_unit_tests())
    assert "unit_test" not in production
    assert production["test"] == everything["test"] > 0
    assert production["model"] == everything["model"]
