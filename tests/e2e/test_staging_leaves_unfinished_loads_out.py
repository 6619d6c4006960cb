"""dbt's staging models read only finished loads (`finished_loads`), checked on the views the
job built: a load stopped between its two transactions leaves records in the raw log
(tests/ingest/test_unfinished_loads.py), and no model may read them."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from tests.conftest import BuiltWarehouse


def test_staging_leaves_unfinished_loads_out(warehouse: BuiltWarehouse, tmp_path: Path):
    """dbt's staging view (built by the job, with `finished_loads`) reads the log at query
    time: a record of an unfinished load is not in it, one of a finished load is."""
    copy = tmp_path / warehouse.database.name  # the same name: the views name the database
    shutil.copyfile(warehouse.database, copy)
    with duckdb.connect(str(copy)) as con:
        for event_id, load_id in (("planted-unfinished", "stopped"), ("planted-finished", "done")):
            con.execute(
                "insert into raw.marketing_events by name "
                "select * replace (? as event_id, ? as _load_id) "
                "from raw.marketing_events where _line_number > 0 limit 1",
                [event_id, load_id],
            )
        con.execute(
            "insert into raw.unfinished_loads values ('stopped', 'marketing', 'x.jsonl', now())"
        )
        staged = con.execute(
            "select event_id from staging.stg_marketing__events "
            "where event_id like 'planted-%' order by 1"
        ).fetchall()
    assert staged == [("planted-finished",)]
