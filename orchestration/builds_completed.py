"""The record of finished dbt builds (`int_journey_builds_completed`), read outside dbt.

dbt adds a row for each build that brought every incremental model of the journey up to
date, with the load time it had seen and the seeds (shared definitions) it derived the
journeys by. The raw Great Expectations suites check the events loaded since
(`expectations/tables.py`); the Dagster job rebuilds every model when the seeds changed
since (`orchestration/assets/dbt.py`), where a plain incremental `dbt build` stops
(`assert_definitions_unchanged_since_last_build`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

BUILDS_COMPLETED = "intermediate.int_journey_builds_completed"


def recorded(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the warehouse has the record (a build has finished since it was introduced)."""
    schema, name = BUILDS_COMPLETED.split(".")
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
            [schema, name],
        ).fetchone()[0]  # type: ignore[index]
    )


def last_finished_build(con: duckdb.DuckDBPyConnection) -> tuple[datetime, str] | None:
    """(loaded_through, seed_checksums) of the latest finished build, or None if none is
    recorded."""
    if not recorded(con):
        return None
    return con.execute(  # type: ignore[return-value]
        f"select loaded_through, seed_checksums from {BUILDS_COMPLETED} "
        "order by completed_run_at desc limit 1"
    ).fetchone()


def seed_checksums(manifest: Mapping[str, Any]) -> str:
    """The project's seeds with their files' checksums, as the `seed_checksums` macro writes
    them: "name:sha256" in name order, separated by commas."""
    project = manifest["metadata"]["project_name"]
    seeds = sorted(
        (node["name"], node["checksum"]["checksum"])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "seed" and node["package_name"] == project
    )
    return ",".join(f"{name}:{checksum}" for name, checksum in seeds)


def seeds_changed_since_last_build(database: Path, manifest: Mapping[str, Any]) -> bool:
    """True when the last finished build derived the journeys by other seeds than the
    project's now; False when they are the same or no finished build is recorded."""
    if not database.exists():
        return False
    with duckdb.connect(str(database), read_only=True) as con:
        last = last_finished_build(con)
    return last is not None and last[1] != seed_checksums(manifest)
