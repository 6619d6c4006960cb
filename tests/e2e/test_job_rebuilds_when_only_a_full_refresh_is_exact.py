"""When only a full refresh can be exact, the Dagster job runs one by itself.

A finished build records the seeds (shared definitions) it derived the journeys by. Here
the warehouse's record names other seeds, as after a change to the definitions, and some
journey facts are gone, which no incremental build would bring back. The job's
incremental build must stop (`assert_no_full_refresh_needed`), the job must build again
with `--full-refresh` and succeed, and the warehouse must be the one these seeds derive.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.builds_completed import (
    BUILDS_COMPLETED,
    full_refresh_needed,
    last_finished_build,
)
from orchestration.dbt_artifacts import RUNS_FOLDER
from tests.conftest import BuiltWarehouse, read_tables, run_funnel_job

# What these seeds derive; `derived_at` says when, and a full refresh derives everything anew.
DERIVED = {
    "marts.fct_customer_journey": "* exclude (loaded_at, derived_at)",
    "marts.fct_journey_stage_entries": "*",
    "marts.dim_people": "*",
}


def derived(database: Path) -> dict[str, list[tuple]]:
    return read_tables(database, DERIVED)


def derived_after(database: Path, moment: object) -> tuple[int, int]:
    """(journey facts derived after `moment`, all journey facts)."""
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(
            "select count(*) filter (where derived_at > ?), count(*) from marts.fct_customer_journey",
            [moment],
        ).fetchone()


@pytest.mark.slow
def test_the_job_rebuilds_in_full_when_the_seeds_changed_since_the_last_build(
    warehouse: BuiltWarehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    dbt_target = tmp_path / "dbt_target"  # this run's dbt artifacts only
    monkeypatch.setenv("DBT_TARGET_PATH", str(dbt_target))
    database = tmp_path / "warehouse.duckdb"
    shutil.copy2(warehouse.database, database)
    with duckdb.connect(str(database)) as con:
        seeds = last_finished_build(con).seed_checksums
        con.execute(f"update {BUILDS_COMPLETED} set seed_checksums = 'other seeds'")
        con.execute("delete from marts.fct_journey_stage_entries where hash(journey_key) % 5 = 0")
    assert derived(database) != derived(warehouse.database)
    (built_at,) = warehouse.query("select max(derived_at) from marts.fct_customer_journey")[0]

    assert run_funnel_job(database, warehouse.landing)

    builds = sorted(
        (dbt_target / RUNS_FOLDER).glob("funnel_dbt_assets-*"),
        key=lambda folder: (folder / "run_results.json").stat().st_mtime,
    )
    assert len(builds) == 2
    stopped, rebuilt = (json.loads((b / "run_results.json").read_text()) for b in builds)
    assert full_refresh_needed(stopped)
    assert not stopped["args"].get("full_refresh")
    assert rebuilt["args"]["full_refresh"] is True
    assert not full_refresh_needed(rebuilt)
    with duckdb.connect(str(database), read_only=True) as con:
        assert last_finished_build(con).seed_checksums == seeds
    assert derived(database) == derived(warehouse.database)
    rederived, facts = derived_after(database, built_at)
    assert rederived == facts > 0
