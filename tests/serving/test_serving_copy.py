"""The serving copy the session run published: the marts, all of them, and nothing else."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.serving.locations import PARQUET_LINK, SERVING_DATABASE
from orchestration.serving.publish import STORAGE_VERSION_NUMBER, storage_version_number

# Raw fields that identify a person; none of their values may reach the serving copy.
PERSONAL_FIELDS = ("email", "anonymous_id", "contact_id")


@pytest.fixture(scope="module")
def serving(warehouse) -> Path:
    path = warehouse.database.parent / SERVING_DATABASE
    assert path.exists(), "the job did not publish a serving copy beside the warehouse"
    return path


def relations(database: Path) -> set[tuple[str, str]]:
    with duckdb.connect(str(database), read_only=True) as con:
        return set(con.execute("select schema_name, table_name from duckdb_tables()").fetchall())


def views(database: Path) -> set[tuple[str, str]]:
    with duckdb.connect(str(database), read_only=True) as con:
        sql = "select schema_name, view_name from duckdb_views() where not internal"
        return set(con.execute(sql).fetchall())


def served_marts(database: Path) -> list[str]:
    return sorted(name for schema, name in relations(database) | views(database))


def test_every_mart_and_nothing_else_is_served(warehouse, serving: Path):
    # A mart the warehouse keeps as a view over other marts (stage_attribution unnests
    # conversion_touches) is served as the same view, over the served tables.
    marts = {
        r for r in relations(warehouse.database) | views(warehouse.database) if r[0] == "marts"
    }
    assert ("marts", "stage_attribution") in marts - relations(warehouse.database)
    assert relations(serving) | views(serving) == marts
    assert views(serving) == {("marts", "stage_attribution")}


def test_every_mart_holds_the_rows_of_the_warehouse(warehouse, serving: Path):
    with duckdb.connect() as con:
        con.execute(f"attach '{warehouse.database}' as wh (read_only)")
        con.execute(f"attach '{serving}' as served (read_only)")
        differing = {
            mart: con.execute(
                f'select count(*) from ((select * from wh.marts."{mart}" except all '
                f'select * from served.marts."{mart}") union all (select * from '
                f'served.marts."{mart}" except all select * from wh.marts."{mart}"))'
            ).fetchone()[0]
            for mart in served_marts(serving)
        }
    assert {mart: rows for mart, rows in differing.items() if rows} == {}
    assert len(differing) > 20


def test_no_personal_data_reaches_the_serving_copy(warehouse, serving: Path):
    with duckdb.connect() as con:
        con.execute(f"attach '{warehouse.database}' as wh (read_only)")
        con.execute(f"attach '{serving}' as served (read_only)")
        union = " union ".join(
            f"select {field} as value from wh.raw.{stream}_events"
            for field in PERSONAL_FIELDS
            for stream in ("marketing", "sales")
        )
        con.execute(f"create temp table personal as select distinct value from ({union}) "
                    "where length(value) >= 6")  # fmt: skip
        assert con.execute("select count(*) from personal").fetchone()[0] > 100
        columns = con.execute(
            "select table_name, column_name, column_name in ? from duckdb_columns() "
            "where database_name = 'served' and data_type = 'VARCHAR'",
            [list(PERSONAL_FIELDS)],
        ).fetchall()
        assert not [c for c in columns if c[2]], "a personal field is served by name"
        leaks = {
            f"{table}.{column}": con.execute(
                f'select count(*) from served.marts."{table}" where "{column}" in '
                "(select value from personal)"
            ).fetchone()[0]
            for table, column, _ in columns
        }
    assert {k: v for k, v in leaks.items() if v} == {}


def test_served_in_the_storage_format_duckdb_1x_opens(serving: Path):
    assert storage_version_number(serving) == STORAGE_VERSION_NUMBER


def test_one_parquet_file_per_mart_with_the_same_rows(serving: Path):
    parquet = serving.parent / PARQUET_LINK
    tables = served_marts(serving)
    assert sorted(p.stem for p in parquet.glob("*.parquet")) == tables
    with duckdb.connect(str(serving), read_only=True) as con:
        for table in tables:
            in_file = con.execute(f"select count(*) from '{parquet / table}.parquet'").fetchone()
            assert in_file == con.execute(f'select count(*) from marts."{table}"').fetchone()
