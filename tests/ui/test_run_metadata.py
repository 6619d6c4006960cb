"""What a run shows about the dbt step: rows per model, added once dbt has let go of the file."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb

from orchestration.assets.dbt import with_row_counts

MANIFEST = {
    "nodes": {
        "model.p.fct": {"schema": "marts", "alias": "fct", "config": {"materialized": "table"}},
        "model.p.stg": {"schema": "staging", "alias": "stg", "config": {"materialized": "view"}},
        "seed.p.stages": {"schema": "definitions", "alias": "stages", "config": {"materialized": "seed"}},
    }
}  # fmt: skip


def test_models_and_seeds_carry_their_row_counts(tmp_path: Path):
    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create schema marts; create schema definitions; create schema staging")
        con.execute("create table marts.fct as select range as id from range(7)")
        con.execute("create table definitions.stages as select range as id from range(3)")
        con.execute("create view staging.stg as select 1 as id")
    events = [
        dg.Output(None, output_name="fct", metadata={"unique_id": "model.p.fct"}),
        dg.Output(None, output_name="stg", metadata={"unique_id": "model.p.stg"}),
        dg.Output(None, output_name="stages", metadata={"unique_id": "seed.p.stages"}),
        dg.AssetCheckResult(asset_key="fct", check_name="unique_fct_id", passed=True),
    ]
    shown = list(with_row_counts(events, MANIFEST, database))
    counts = {
        event.output_name: event.metadata.get("dagster/row_count")
        for event in shown
        if isinstance(event, dg.Output)
    }
    assert counts == {
        "fct": dg.MetadataValue.int(7),
        "stg": None,  # views are not counted: they would be computed again
        "stages": dg.MetadataValue.int(3),
    }
    assert shown[-1] is events[-1]
    # The counting connection was read-only and is closed: a writer can open the file now.
    with duckdb.connect(str(database)) as con:
        con.execute("insert into marts.fct values (8)")
