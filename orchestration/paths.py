"""Where things live: the repository, the seeds, and the configurable data locations.

Every location a user may want to move is read from an environment variable with a
default inside the repository, so the job runs out of the box and can be pointed
elsewhere without code changes.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
SEEDS_DIR = PROJECT_DIR / "seeds"
CONTRACTS_DIR = PROJECT_DIR / "contracts"


def landing_dir() -> Path:
    """The folder producers drop event files into (`FUNNEL_LANDING_DIR`)."""
    return Path(os.environ.get("FUNNEL_LANDING_DIR", PROJECT_DIR / "data" / "landing"))


def warehouse_path() -> Path:
    """The DuckDB warehouse file (`FUNNEL_DUCKDB_PATH`)."""
    return Path(os.environ.get("FUNNEL_DUCKDB_PATH", PROJECT_DIR / "data" / "warehouse.duckdb"))


# DuckDB's memory cap for one pipeline process. dbt's profile falls back to the same value
# (profiles.yml); 2.5GB keeps the dbt process under about 2.8 GB, so the Dagster process
# and its dbt child stay under 4 GB together at 10M events.
DEFAULT_DUCKDB_MEMORY_LIMIT = "2.5GB"


def spill_dir_beside(warehouse: Path) -> Path:
    """The default spill folder of a warehouse: `duckdb_tmp` beside its file."""
    return warehouse.parent / "duckdb_tmp"


def duckdb_limits(warehouse: Path) -> dict[str, str]:
    """Memory cap and spill folder for every DuckDB connection the pipeline opens
    (`FUNNEL_DUCKDB_MEMORY_LIMIT`, `FUNNEL_DUCKDB_TEMP_DIR`): past the cap, DuckDB spills
    to the folder instead of growing or failing."""
    return {
        "memory_limit": os.environ.get("FUNNEL_DUCKDB_MEMORY_LIMIT", DEFAULT_DUCKDB_MEMORY_LIMIT),
        "temp_directory": os.environ.get(
            "FUNNEL_DUCKDB_TEMP_DIR", str(spill_dir_beside(warehouse))
        ),
    }
