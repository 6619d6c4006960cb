"""Resources, configured from environment variables with defaults inside the repository."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject

from orchestration.paths import PROJECT_DIR, landing_dir, spill_dir_beside, warehouse_path

# DuckDB allows one writer per file: every step that opens the warehouse shares this pool
# (of size 1 in dagster.yaml); the job also runs in process so steps never overlap.
WAREHOUSE_POOL = "duckdb_warehouse"


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse file and the landing directory the job reads from."""

    database_path: str = str(warehouse_path())
    landing_path: str = str(landing_dir())

    @property
    def database(self) -> Path:
        return Path(self.database_path)

    @property
    def landing(self) -> Path:
        return Path(self.landing_path)


dbt_project = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR)


# The production build: seeds, models and data tests. dbt unit tests check the SQL logic on
# fixed inputs, so, as dbt recommends, they run in development and CI (`tests/marts/
# test_dbt_unit_tests.py`), not on every scheduled run.
DBT_BUILD_ARGS = ("build", "--exclude-resource-type", "unit_test")


# What dbt parses: a manifest older than any of these no longer describes the project.
_DBT_INPUTS = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "data-tests")


def dbt_inputs_changed_since(moment: float, project_dir: Path = PROJECT_DIR) -> bool:
    """True when any dbt project file was modified after `moment` (a POSIX timestamp)."""
    for name in _DBT_INPUTS:
        path = project_dir / name
        files = path.rglob("*") if path.is_dir() else [path]
        if any(f.is_file() and f.stat().st_mtime > moment for f in files):
            return True
    return False


def ensure_dbt_manifest(project: DbtProject = dbt_project) -> None:
    """Parse the dbt project when the manifest is missing or older than the project files.

    Definitions read the manifest to know the dbt assets; a stale one would hide models
    added since (and make the dbt step fail on them), so it is refreshed here, once.
    """
    manifest = project.manifest_path
    if not manifest.exists() or dbt_inputs_changed_since(manifest.stat().st_mtime):
        project.preparer.prepare(project)


def dbt_environment() -> None:
    """dbt reads the warehouse path from the same variable as the Python steps."""
    os.environ.setdefault("FUNNEL_DUCKDB_PATH", str(warehouse_path()))
    os.environ.setdefault("FUNNEL_DUCKDB_TEMP_DIR", str(spill_dir_beside(warehouse_path())))


def dbt_executable() -> str:
    """The dbt installed beside this Python, so the job works without an activated venv."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def build_resources() -> dict[str, object]:
    dbt_environment()
    return {
        "warehouse": WarehouseResource(),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()),
    }
