"""Resources, configured from environment variables with defaults inside the repository."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject

from orchestration.paths import PROJECT_DIR, landing_dir, warehouse_path

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


def ensure_dbt_manifest(project: DbtProject = dbt_project) -> None:
    """Parse the dbt project once if no manifest exists, so definitions always load."""
    if not project.manifest_path.exists():
        project.preparer.prepare(project)


def dbt_environment() -> None:
    """dbt reads the warehouse path from the same variable as the Python steps."""
    os.environ.setdefault("FUNNEL_DUCKDB_PATH", str(warehouse_path()))
    os.environ.setdefault("FUNNEL_DUCKDB_TEMP_DIR", str(warehouse_path().parent / "duckdb_tmp"))


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
