"""BI readers and the pipeline never block each other, and readers see whole versions only.

Works on a copy of the session warehouse (the job must not change the shared one): the
serving file is published from it, then the full job runs again with one extra landing
file while two reader processes read the serving file, one through a connection held open
across the whole run, one through a new connection for every read.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.assets.serving import MART_MODELS
from orchestration.serving.locations import SERVING_DATABASE
from orchestration.serving.publish import publish_marts
from tests.conftest import BuiltWarehouse, run_funnel_job
from tests.serving.landing import EXTRA_BATCH, write_batch

READER = Path(__file__).with_name("reader.py")


def mart_counts(database: Path) -> dict[str, int]:
    with duckdb.connect(str(database), read_only=True) as con:
        tables = con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts'"
        ).fetchall()
        return {
            t: con.execute(f'select count(*) from marts."{t}"').fetchone()[0] for (t,) in tables
        }


def copy_warehouse(built: BuiltWarehouse, root: Path) -> tuple[Path, Path]:
    database, landing = root / built.database.name, root / "landing"
    shutil.copytree(built.landing, landing)
    for path in built.database.parent.glob(built.database.name + "*"):  # the file and any WAL
        shutil.copy2(path, root / path.name)
    return database, landing


def start_reader(database: Path, mode: str, stop_file: Path) -> subprocess.Popen:
    reader = subprocess.Popen(
        [sys.executable, str(READER), str(database), mode, str(stop_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert json.loads(reader.stdout.readline()) == {"ready": True}, reader.stderr.read()
    return reader


def stop_reader(reader: subprocess.Popen, stop_file: Path) -> tuple[int, list[dict]]:
    stop_file.touch()
    out, err = reader.communicate(timeout=60)
    lines = [json.loads(line) for line in out.splitlines() if line]
    return reader.returncode, lines + ([{"stderr": err}] if err.strip() else [])


@pytest.mark.slow
def test_readers_hold_the_serving_file_across_a_full_run(warehouse, tmp_path: Path):
    database, landing = copy_warehouse(warehouse, tmp_path)
    serving = publish_marts(database, tmp_path, list(MART_MODELS)).database
    assert serving == tmp_path / SERVING_DATABASE
    old = mart_counts(serving)

    write_batch(landing, EXTRA_BATCH, "serving_test_extra")
    stops = {mode: tmp_path / f"stop_{mode}" for mode in ("hold", "reopen")}
    readers = {mode: start_reader(serving, mode, stop) for mode, stop in stops.items()}
    try:
        run_ok = run_funnel_job(database, landing)
    finally:
        results = {mode: stop_reader(readers[mode], stops[mode]) for mode in readers}
    new = mart_counts(serving)

    assert run_ok, "the run failed while readers held the serving file"
    assert new != old, "the extra landing file should have changed the marts"
    for mode, (code, lines) in results.items():
        assert code == 0, f"{mode} reader failed: {lines[-3:]}"
        seen = [line["counts"] for line in lines if "counts" in line]
        assert seen, f"{mode} reader read nothing"
        torn = [counts for counts in seen if counts not in (old, new)]
        assert torn == [], f"{mode} reader saw a version that is neither old nor new"
    held = [line["counts"] for line in results["hold"][1]]
    assert all(counts == old for counts in held), "the held connection must keep the old version"
