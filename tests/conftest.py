"""Shared fixtures: ONE warehouse per test session, built by the real Dagster job.

The sample generator writes landing files and, beside them, a ground truth computed by
construction; the job loads them, builds every dbt model and runs every check. Tests that
only read the result use `warehouse`; tests that need their own data build a small one.

The suite runs on pytest-xdist's workers (one per core). The first worker to ask builds
the session warehouse; the others wait for it and read the same files, read-only.
"""

from __future__ import annotations

import os
import pickle
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from filelock import FileLock

SAMPLE_EVENTS = 6000
SAMPLE_SEED = 7


@dataclass(frozen=True)
class BuiltWarehouse:
    """A warehouse built end to end, with the landing data and ground truth it came from."""

    database: Path
    landing: Path
    ground_truth: dict
    run_success: bool

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.database), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def scalar(self, sql: str, params: list | None = None) -> object:
        return self.query(sql, params)[0][0]


def read_tables(database: Path, columns_by_table: dict[str, str]) -> dict[str, list[tuple]]:
    """Each table's rows, its chosen columns only (e.g. `* exclude (loaded_at)`), in order."""
    with duckdb.connect(str(database), read_only=True) as con:
        return {
            table: con.execute(f"select {columns} from {table} order by all").fetchall()
            for table, columns in columns_by_table.items()
        }


def run_funnel_job(database: Path, landing: Path) -> bool:
    """Run the real Dagster job in process against the given files; True on success."""
    from orchestration.definitions import defs
    from orchestration.paths import spill_dir_beside

    previous = {
        k: os.environ.get(k)
        for k in (
            "FUNNEL_DUCKDB_PATH",
            "FUNNEL_DUCKDB_TEMP_DIR",
            "FUNNEL_LANDING_DIR",
            "FUNNEL_SERVING_DIR",
        )
    }
    os.environ["FUNNEL_DUCKDB_PATH"] = str(database)
    # Its own spill folder: other test workers run jobs at the same time.
    os.environ["FUNNEL_DUCKDB_TEMP_DIR"] = str(spill_dir_beside(database))
    os.environ["FUNNEL_LANDING_DIR"] = str(landing)
    # Tests read what the run publishes beside their own warehouse, never a user's folder.
    os.environ.pop("FUNNEL_SERVING_DIR", None)
    try:
        from orchestration.resources import WarehouseResource

        job = defs.get_job_def("funnel_job")
        result = job.execute_in_process(
            resources={
                "warehouse": WarehouseResource(
                    database_path=str(database), landing_path=str(landing)
                )
            },
            raise_on_error=False,
        )
        return result.success
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def build_warehouse(root: Path, events: int, seed: int) -> BuiltWarehouse:
    from orchestration.sample_data import generate

    landing = root / "landing"
    truth = generate(landing, events=events, seed=seed)
    database = root / "warehouse.duckdb"
    success = run_funnel_job(database, landing)
    return BuiltWarehouse(database, landing, _as_dict(truth), success)


def _as_dict(truth: object) -> dict:
    if isinstance(truth, dict):
        return truth
    from dataclasses import asdict

    return asdict(truth)  # type: ignore[arg-type]


def pytest_configure(config: pytest.Config) -> None:
    # Each worker's Dagster definitions parse dbt if the manifest is stale; parsed here once,
    # before the workers start, they never write target/manifest.json at the same time.
    if not hasattr(config, "workerinput"):
        from orchestration.resources import ensure_dbt_manifest

        ensure_dbt_manifest()


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltWarehouse]:
    # Every xdist worker has its own base folder under the run's; the build goes beside them.
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    folder, record = root / "session_warehouse", root / "session_warehouse.pickle"
    with FileLock(root / "session_warehouse.lock"):
        if not record.exists():
            try:
                built: BuiltWarehouse | str = build_warehouse(folder, SAMPLE_EVENTS, SAMPLE_SEED)
            except Exception:  # recorded, so that other workers report it instead of retrying
                built = traceback.format_exc()
            record.write_bytes(pickle.dumps(built))
        built = pickle.loads(record.read_bytes())
    assert not isinstance(built, str), f"building the session warehouse failed:\n{built}"
    assert built.run_success, "the funnel job failed on the session sample data"
    yield built
