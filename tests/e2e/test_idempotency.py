"""Re-running the job, or receiving the same events again in a new file, changes nothing; and
only the first dbt invocation on a warehouse parses the whole dbt project."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.dbt_artifacts import RUNS_FOLDER
from tests.conftest import BuiltWarehouse, read_tables, run_funnel_job

# Everything a user reads; load ids and load times differ between runs by design.
COMPARED = {
    "raw.marketing_events": "* exclude (_load_id, _loaded_at)",
    "raw.sales_events": "* exclude (_load_id, _loaded_at)",
    "raw.quarantined_records": "* exclude (load_id, quarantined_at)",
    "marts.fct_customer_journey": "* exclude (loaded_at)",
    "marts.fct_journey_stage_entries": "*",
    "marts.dim_people": "*",
}


def contents(database: Path) -> dict[str, list[tuple]]:
    return read_tables(database, COMPARED)


@pytest.mark.slow
def test_rerunning_the_job_and_replaying_events_leave_the_warehouse_unchanged(
    warehouse: BuiltWarehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # dbt's artifacts of these runs only, to read how each invocation parsed the project.
    dbt_target = tmp_path / "dbt_target"
    monkeypatch.setenv("DBT_TARGET_PATH", str(dbt_target))
    database = tmp_path / "warehouse.duckdb"
    shutil.copy2(warehouse.database, database)
    before = contents(database)

    assert run_funnel_job(database, warehouse.landing)
    assert contents(database) == before

    # The same events again, in a new file: every one of them is a duplicate. Only lines
    # that were loaded are replayed (bad lines in a new file would be quarantined anew).
    landing = tmp_path / "landing"
    shutil.copytree(warehouse.landing, landing)
    with duckdb.connect(str(database), read_only=True) as con:
        file_path, lines = con.execute(
            "select _file_path, list(_line_number) from raw.marketing_events "
            "group by 1 order by 1 limit 1"
        ).fetchone()
    original = (landing / file_path).read_bytes().split(b"\n")
    replay = landing / "marketing" / "replays" / "replay.jsonl"
    replay.parent.mkdir(parents=True)
    replay.write_bytes(b"\n".join(original[n - 1] for n in sorted(lines)) + b"\n")
    assert run_funnel_job(database, landing)
    assert contents(database) == before
    with duckdb.connect(str(database), read_only=True) as con:
        replayed = con.execute(
            "select rows_read, rows_loaded from raw.load_ledger where file_path like '%replay%'"
        ).fetchall()
    assert len(replayed) == 1 and replayed[0][0] > 0 and replayed[0][1] == 0

    # Two runs, each a build and a docs site: only the first invocation on this warehouse
    # parses the whole project; the three after it start from the parse it saved.
    logs = [
        "".join(log.read_text() for log in folder.glob("dbt.log*"))  # dbt rotates its log
        for folder in (dbt_target / RUNS_FOLDER).iterdir()
    ]
    assert len(logs) == 4
    assert sum("Unable to do partial parsing" in log for log in logs) == 1
    assert sum("Partial parsing enabled, no changes found" in log for log in logs) == 3
