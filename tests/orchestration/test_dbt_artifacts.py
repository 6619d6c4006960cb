"""The job's dbt invocation folders: each starts from its own warehouse's parse, old ones go.

That dbt then reuses the parse is shown on the real job in `tests/e2e/test_idempotency.py`.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from orchestration import dbt_artifacts
from orchestration.dbt_artifacts import (
    KEEP_YOUNGER_THAN_SECONDS,
    PARSES_FOLDER,
    PARTIAL_PARSE,
    RUNS_FOLDER,
    invocation_folder,
    keep_parse,
    prune,
)


def test_an_invocation_starts_from_the_parse_saved_for_its_own_warehouse(tmp_path: Path):
    target = tmp_path / "target"
    north, south = tmp_path / "north.duckdb", tmp_path / "south.duckdb"

    first = invocation_folder(north, "build-run1", target)
    assert first.parent == target / RUNS_FOLDER and first.name.startswith("build-run1-")
    assert list(first.iterdir()) == []  # nothing saved yet: dbt parses the project
    (first / PARTIAL_PARSE).write_bytes(b"parsed for north")
    keep_parse(first, north, target)

    again = invocation_folder(north, "build-run2", target)
    assert (again / PARTIAL_PARSE).read_bytes() == b"parsed for north"
    other = invocation_folder(south, "build-run2", target)
    assert not (other / PARTIAL_PARSE).exists()  # north's profile is not south's

    # A later parse replaces the saved one; one saved parse per warehouse, nothing staged left.
    (again / PARTIAL_PARSE).write_bytes(b"parsed again for north")
    keep_parse(again, north, target)
    keep_parse(other, south, target)  # south's dbt wrote no parse: nothing saved
    assert len(list((target / PARSES_FOLDER).iterdir())) == 1
    latest = invocation_folder(north, "docs-run2", target)
    assert (latest / PARTIAL_PARSE).read_bytes() == b"parsed again for north"


def test_prune_keeps_the_newest_and_any_written_in_the_last_hour(tmp_path: Path):
    now = time.time()
    hour = KEEP_YOUNGER_THAN_SECONDS
    # Ages in seconds: two folders still being written, then five old ones.
    ages = {
        "a": 10,
        "b": 60,
        "c": hour + 1,
        "d": 2 * hour,
        "e": 3 * hour,
        "f": 4 * hour,
        "g": 5 * hour,
    }
    for name, age in ages.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "run_results.json").write_text("{}")
        os.utime(tmp_path / name, (now - age, now - age))

    removed = prune(tmp_path, keep=3, now=now)
    assert sorted(p.name for p in removed) == ["d", "e", "f", "g"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "c"]

    # With only one kept, the young ones still stay.
    assert [p.name for p in prune(tmp_path, keep=1, now=now)] == ["c"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]
    assert prune(tmp_path / "missing") == []


def test_another_checkout_does_not_reuse_the_parse(tmp_path: Path, monkeypatch):
    # A parse names the project's files by full path (seeds, for one): a second checkout
    # sharing DBT_TARGET_PATH would point dbt at the first one's files.
    target, warehouse = tmp_path / "shared_target", tmp_path / "warehouse.duckdb"
    monkeypatch.setattr(dbt_artifacts, "PROJECT_DIR", tmp_path / "checkout_a")
    first = invocation_folder(warehouse, "build", target)
    (first / PARTIAL_PARSE).write_bytes(b"parsed in checkout a")
    keep_parse(first, warehouse, target)
    assert (invocation_folder(warehouse, "docs", target) / PARTIAL_PARSE).exists()

    monkeypatch.setattr(dbt_artifacts, "PROJECT_DIR", tmp_path / "checkout_b")
    assert not (invocation_folder(warehouse, "build", target) / PARTIAL_PARSE).exists()


def test_a_folder_whose_dbt_log_is_still_growing_is_not_pruned(tmp_path: Path):
    # dbt appends to its log during a long build; the folder's own time stays old.
    now = time.time()
    old = now - 3 * KEEP_YOUNGER_THAN_SECONDS
    for name in ("running", "finished"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "dbt.log").write_text("...")
    os.utime(tmp_path / "finished" / "dbt.log", (old, old))
    for name in ("running", "finished"):
        os.utime(tmp_path / name, (old, old))
    assert [p.name for p in prune(tmp_path, keep=0, now=now)] == ["finished"]
    assert [p.name for p in tmp_path.iterdir()] == ["running"]


def test_a_parse_that_cannot_be_saved_is_reported_not_raised(tmp_path: Path):
    target, warehouse = tmp_path / "target", tmp_path / "warehouse.duckdb"
    folder = invocation_folder(warehouse, "build", target)
    (folder / PARTIAL_PARSE).write_bytes(b"parsed")
    (target / PARSES_FOLDER).write_text("a file where the folder should be")
    warnings: list[str] = []
    keep_parse(folder, warehouse, target, warn=warnings.append)
    assert len(warnings) == 1 and "not saved" in warnings[0]
