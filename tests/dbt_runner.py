"""Run the real dbt CLI against a chosen warehouse file, for tests that need their own build."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from orchestration.paths import spill_dir_beside

PROJECT_DIR = Path(__file__).resolve().parents[1]
_PROJECT_PARTS = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "data-tests")


def dbt_target(database: Path) -> Path:
    """Where dbt runs on `database` write their artifacts and log (dbt runs in parallel)."""
    return database.parent / f"dbt_target_{database.stem}"


def dbt(
    args: list[str], database: Path, project_dir: Path = PROJECT_DIR, check: bool = True
) -> subprocess.CompletedProcess:
    """`dbt <args>` on `database`; unless `check` is off, failing the test with dbt's
    output if dbt fails."""
    target = dbt_target(database)
    env = {
        **os.environ,
        "FUNNEL_DUCKDB_PATH": str(database),
        "FUNNEL_DUCKDB_TEMP_DIR": str(spill_dir_beside(database)),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_LOG_PATH": str(target),  # not the project's logs/, which other workers share
    }
    command = [str(Path(sys.executable).parent / "dbt"), *args, "--profiles-dir", str(project_dir),
               "--project-dir", str(project_dir), "--target-path", str(target)]  # fmt: skip
    result = subprocess.run(command, env=env, capture_output=True, text=True, cwd=project_dir)
    if check:
        assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    return result


def copy_project(destination: Path) -> Path:
    """A private copy of the dbt project whose seeds a test may change."""
    destination.mkdir(parents=True, exist_ok=True)
    for part in _PROJECT_PARTS:
        source = PROJECT_DIR / part
        if source.is_dir():
            shutil.copytree(source, destination / part)
        elif source.exists():
            shutil.copy2(source, destination / part)
    return destination
