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
