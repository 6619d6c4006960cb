"""The record of finished builds, as the raw suites and the Dagster job read it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from orchestration.builds_completed import last_finished_build
from orchestration.paths import SEEDS_DIR
from tests.conftest import BuiltWarehouse
from tests.dbt_runner import dbt


def test_the_record_holds_the_seeds_the_journey_is_derived_by(
    warehouse: BuiltWarehouse, tmp_path: Path
):
    listed = dbt(["--quiet", "ls", "--resource-type", "seed", "--select",
                  "+int_journey_builds_completed", "--output", "name"],
                 tmp_path / "ls.duckdb").stdout.split()  # fmt: skip
    assert "lead_rule" in listed and "funnel_stages" in listed
    assert "revenue_targets" not in listed  # read by a table mart only
    # dbt's checksum of a seed is the sha256 of its file's text without surrounding space.
    expected = ",".join(
        f"{name}:{hashlib.sha256((SEEDS_DIR / f'{name}.csv').read_bytes().strip()).hexdigest()}"
        for name in sorted(listed)
    )
    with duckdb.connect(str(warehouse.database), read_only=True) as con:
        last = last_finished_build(con)
        (last_loaded,) = con.execute(
            "select max(loaded_at) from marts.fct_customer_journey"
        ).fetchone()
    assert last is not None
    assert last.seed_checksums == expected
    assert last.last_loaded_at == last_loaded


def test_no_record_before_a_build_finishes(tmp_path: Path):
    empty = tmp_path / "empty.duckdb"
    with duckdb.connect(str(empty)) as con:
        assert last_finished_build(con) is None
        con.execute("create schema intermediate")
        con.execute(
            "create table intermediate.int_journey_builds_completed (build_started_at"
            " timestamp, last_loaded_at timestamp, seed_checksums varchar)"
        )
        assert last_finished_build(con) is None
