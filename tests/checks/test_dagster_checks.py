"""The GX suites as Dagster asset checks: on the guarded assets, blocking for integrity."""

from __future__ import annotations

from pathlib import Path

import duckdb

from expectations.suites import suite_specs
from orchestration.checks.expectations import expectation_checks
from tests.checks import planted
from tests.conftest import run_funnel_job


def test_every_suite_is_a_check_on_the_asset_it_guards() -> None:
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    check_keys = {(tuple(k.asset_key.path), k.name) for k in graph.asset_check_keys}
    for spec in suite_specs():
        assert (spec.asset_key, f"gx_{spec.name}") in check_keys
    blocking = {
        spec.name: spec.blocking for check in expectation_checks for spec in check.check_specs
    }
    assert blocking == {f"gx_{s.name}": s.is_blocking for s in suite_specs()}


def test_a_failing_integrity_suite_blocks_the_marts(tmp_path: Path) -> None:
    """A negative amount passes the loader; the blocking raw suite fails and dbt never runs."""
    landing = planted.Landing()
    landing.event(planted.CREATE, 1, opportunity_id="opp-1", owner_id="owner-1")
    landing.event(
        planted.WIN, 2, opportunity_id="opp-1", owner_id="owner-1", amount=-1, currency="EUR"
    )
    root = landing.write(tmp_path / "landing")
    database = tmp_path / "warehouse.duckdb"
    assert not run_funnel_job(database, root)
    with duckdb.connect(str(database), read_only=True) as con:
        loaded = con.execute("select count(*) from raw.sales_events").fetchone()[0]
        schemas = {
            row[0]
            for row in con.execute("select schema_name from information_schema.schemata").fetchall()
        }
    assert loaded == 2
    assert "marts" not in schemas and "quality" not in schemas
    assert (tmp_path / "gx_data_docs" / "index.html").exists()
