"""Shared readers for the funnel mart tests: tables of the session warehouse as DataFrames."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest


def read_table(database: object, sql: str) -> pd.DataFrame:
    """The result of one query on a warehouse file, read-only."""
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).df()


@pytest.fixture(scope="module")
def stage_roles(warehouse) -> pd.DataFrame:
    """The stage roles mart, indexed by stage key."""
    return read_table(warehouse.database, "select * from marts.dim_stages").set_index("stage_key")


@pytest.fixture(scope="module")
def stage_entries(warehouse) -> pd.DataFrame:
    return read_table(warehouse.database, "select * from marts.fct_journey_stage_entries")


@pytest.fixture(scope="module")
def journey_events(warehouse) -> pd.DataFrame:
    return read_table(
        warehouse.database,
        "select event_id, journey_key, event_sequence_number, event_type, occurred_at, is_touch,"
        " stage_key, stage_entered_at, amount from marts.fct_customer_journey",
    )
