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


def test_every_mart_and_nothing_else_is_served(warehouse, serving: Path):
    # A mart the warehouse keeps as a view (stage_attribution unnests conversion_touches)
    # is served as a table: its definition names the warehouse, which BI clients lack.
    marts = {
        r for r in relations(warehouse.database) | views(warehouse.database) if r[0] == "marts"
    }
    assert ("marts", "stage_attribution") in marts - relations(warehouse.database)
    assert relations(serving) == marts
    assert not views(serving)


def test_row_counts_equal_the_warehouse(warehouse, serving: Path):
    with duckdb.connect(str(serving), read_only=True) as con:
        tables = [t for (t,) in con.execute("select table_name from duckdb_tables()").fetchall()]
        served = {t: con.execute(f'select count(*) from marts."{t}"').fetchone()[0] for t in tables}
    expected = {t: warehouse.scalar(f'select count(*) from marts."{t}"') for t in tables}
    assert served == expected
    assert served["fct_customer_journey"] > 0


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
    with duckdb.connect(str(serving), read_only=True) as con:
        tables = sorted(
            t for (t,) in con.execute("select table_name from duckdb_tables()").fetchall()
        )
        assert sorted(p.stem for p in parquet.glob("*.parquet")) == tables
        for table in tables:
            in_file = con.execute(f"select count(*) from '{parquet / table}.parquet'").fetchone()
            assert in_file == con.execute(f'select count(*) from marts."{table}"').fetchone()
