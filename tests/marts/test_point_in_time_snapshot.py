"""The daily funnel snapshot of a past date equals replaying only the events up to then.

The events that had happened by the end of a past day are copied from the session
warehouse's raw log into a fresh warehouse, dbt rebuilds the journey there from those
events alone, and the stage every journey is left in must be counted exactly as the
session's snapshot row for that day counts it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.loader import streams
from orchestration.ingest.tables import events_table
from tests.dbt_runner import dbt


def _replay_until(source: Path, target: Path, end_of_day: dt.datetime) -> int:
    """Copy the raw events that occurred before `end_of_day` into a new warehouse."""
    copied = 0
    with duckdb.connect(str(target)) as con:
        con.execute(f"attach '{source}' as source (read_only)")
        con.execute("create schema raw")
        for stream in streams():
            table = events_table(stream)
            con.execute(
                f"create table {table} as select * from source.{table} where occurred_at < ?",
                [end_of_day],
            )
            copied += con.execute(f"select count(*) from {table}").fetchone()[0]
        con.execute("detach source")
    return copied


def _snapshot_dates(warehouse) -> list[dt.date]:
    first, last = warehouse.query(
        "select min(snapshot_date), max(snapshot_date) from marts.daily_funnel_snapshot"
    )[0]
    span = (last - first).days
    return [first + dt.timedelta(days=span // 3), first + dt.timedelta(days=2 * span // 3)]


@pytest.mark.slow
def test_snapshot_of_a_past_day_equals_replaying_the_events_known_then(warehouse, tmp_path):
    for day in _snapshot_dates(warehouse):
        end_of_day = dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
        replay = tmp_path / f"replay_{day:%Y%m%d}" / "warehouse.duckdb"
        replay.parent.mkdir()
        assert _replay_until(warehouse.database, replay, end_of_day) > 0
        dbt(["seed"], replay)
        dbt(["run", "--select", "+fct_customer_journey"], replay)

        with duckdb.connect(str(replay), read_only=True) as con:
            replayed = dict(
                con.execute(
                    """
                    select stage_key, count(*)
                    from (
                        select
                            stage_key,
                            row_number() over (
                                partition by journey_key order by event_sequence_number desc
                            ) as recency_rank
                        from marts.fct_customer_journey
                        where stage_key is not null
                    ) as latest
                    where recency_rank = 1
                    group by stage_key
                    """
                ).fetchall()
            )
        snapshot = dict(
            warehouse.query(
                "select stage_key, journeys_in_stage_count from marts.daily_funnel_snapshot"
                " where snapshot_date = ? and journeys_in_stage_count > 0",
                [day],
            )
        )
        assert sum(snapshot.values()) > 0, day
        assert snapshot == replayed, day
