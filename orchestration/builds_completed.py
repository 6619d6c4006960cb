"""The record of finished dbt builds (`int_journey_builds_completed`), read outside dbt.

dbt adds a row for each build that brought every incremental model of the journey up to
date, with the load time it had seen and the seeds (shared definitions) it derived the
journeys by. The raw Great Expectations suites check the events loaded since
(`expectations/tables.py`). When an incremental build cannot be exact (the seeds changed,
or a full refresh stopped halfway), dbt's `assert_no_full_refresh_needed` stops it, and
the Dagster job runs the build again with `--full-refresh` (`orchestration/assets/dbt.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

import duckdb

BUILDS_COMPLETED = "intermediate.int_journey_builds_completed"
FULL_REFRESH_CHECK = "assert_no_full_refresh_needed"


class FinishedBuild(NamedTuple):
    last_loaded_at: datetime
    seed_checksums: str


def last_finished_build(con: duckdb.DuckDBPyConnection) -> FinishedBuild | None:
    """The latest finished build, or None if none is recorded."""
    schema, name = BUILDS_COMPLETED.split(".")
    (tables,) = con.execute(  # type: ignore[misc]
        "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    if not tables:
        return None
    row = con.execute(
        f"select last_loaded_at, seed_checksums from {BUILDS_COMPLETED} "
        "order by build_started_at desc limit 1"
    ).fetchone()
    return FinishedBuild(*row) if row else None


def full_refresh_needed(run_results: Mapping[str, Any]) -> bool:
    """Whether a dbt build failed because only a full refresh can be exact
    (`assert_no_full_refresh_needed` failed), from its `run_results.json`."""
    return any(
        result["unique_id"].split(".")[2] == FULL_REFRESH_CHECK and result["status"] == "fail"
        for result in run_results["results"]
        if result["unique_id"].startswith("test.")
    )
