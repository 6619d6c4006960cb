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


def opportunity_won(landing: planted.Landing, opportunity: str, amount: float) -> None:
    landing.event(planted.CREATE, 1, opportunity_id=opportunity, owner_id="owner-1")
    landing.event(planted.WIN, 2, opportunity_id=opportunity, owner_id="owner-1",
                  amount=amount, currency="EUR")  # fmt: skip


def journey_opportunities(database: Path) -> set[str]:
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.execute("select distinct opportunity_id from marts.fct_customer_journey")
        return {opportunity for (opportunity,) in rows.fetchall()}


def last_build_was_full(database: Path) -> bool:
    """What the first model of every dbt build recorded: a later build would say False."""
    with duckdb.connect(str(database), read_only=True) as con:
        sql = "select is_full_build from intermediate.int_event_loads_scoped"
        return con.execute(sql).fetchone()[0]


def test_a_bad_event_of_a_later_delivery_blocks_until_a_build_passes(tmp_path: Path) -> None:
    """The raw suites check the loads since the last build: a bad event in the day's file
    fails the run, and the next run, with nothing new, checks it again."""
    root = tmp_path / "landing"
    first = planted.Landing()
    opportunity_won(first, "opp-1", amount=100)
    first.write(root)
    database = tmp_path / "warehouse.duckdb"
    assert run_funnel_job(database, root)
    assert journey_opportunities(database) == {"opp-1"}
    assert last_build_was_full(database)

    day = planted.Landing(counter=100)  # new event ids
    opportunity_won(day, "opp-2", amount=-1)
    day_file = day.write(tmp_path / "day") / "sales" / "planted.jsonl"
    (root / "sales" / "day_2").mkdir()
    day_file.rename(root / "sales" / "day_2" / "planted.jsonl")
    assert not run_funnel_job(database, root)
    assert not run_funnel_job(database, root)  # not forgotten by the next run
    # The raw suite stopped both runs before dbt: the first build is still the last one.
    assert last_build_was_full(database)
    assert journey_opportunities(database) == {"opp-1"}
