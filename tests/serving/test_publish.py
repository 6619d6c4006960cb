"""Publishing the marts: only the marts, in the 1.x storage format, atomically, with Parquet."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.serving.locations import PARQUET_LINK, PARQUET_SNAPSHOTS, SERVING_DATABASE
from orchestration.serving.publish import (
    STORAGE_VERSION_NUMBER,
    publish_marts,
    storage_version_number,
)


def make_warehouse(path: Path, people: int) -> Path:
    """A warehouse with a raw layer holding PII and two marts, `people` rows in one of them."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists raw; create schema if not exists marts")
        con.execute("create or replace table raw.events as select 'bob@acme.com' as email")
        con.execute(
            "create or replace table marts.dim_people as "
            "select 'p' || range as person_key, range % 3 as score from range(?)",
            [people],
        )
        con.execute("create or replace table marts.dim_stages as select 'lead' as stage_key")
        con.execute("comment on table marts.dim_people is 'One row per person.'")
        con.execute("comment on column marts.dim_people.person_key is 'Hashed person key.'")
    return path


def people_count(database: Path) -> int:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute("select count(*) from marts.dim_people").fetchone()[0]


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return make_warehouse(tmp_path / "warehouse.duckdb", people=5)


def test_only_the_named_marts_are_published(warehouse: Path, tmp_path: Path):
    publication = publish_marts(warehouse, tmp_path / "serving", ["dim_people", "dim_stages"])
    with duckdb.connect(str(publication.database), read_only=True) as con:
        tables = con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
    assert sorted(tables) == [("marts", "dim_people"), ("marts", "dim_stages")]
    assert publication.row_counts == {"dim_people": 5, "dim_stages": 1}


def test_serving_file_is_in_the_storage_format_duckdb_1x_reads(warehouse: Path, tmp_path: Path):
    publication = publish_marts(warehouse, tmp_path / "serving", ["dim_people"])
    # DuckDB 1.x refuses any file whose header number is not 64 ("can only read version 64");
    # the default format of DuckDB 2.0 writes a higher number.
    assert storage_version_number(publication.database) == STORAGE_VERSION_NUMBER == 64
    assert storage_version_number(warehouse) != STORAGE_VERSION_NUMBER
    with duckdb.connect() as con:
        con.execute(f"attach '{publication.database}' as served (read_only)")
        (tags,) = con.execute(
            "select tags from duckdb_databases() where database_name = 'served'"
        ).fetchone()
    assert tags["storage_version"].startswith("v1.0.0")


def test_descriptions_travel_with_the_tables(warehouse: Path, tmp_path: Path):
    publication = publish_marts(warehouse, tmp_path / "serving", ["dim_people"])
    with duckdb.connect(str(publication.database), read_only=True) as con:
        (table_comment,) = con.execute(
            "select comment from duckdb_tables() where table_name = 'dim_people'"
        ).fetchone()
        (column_comment,) = con.execute(
            "select comment from duckdb_columns() where column_name = 'person_key'"
        ).fetchone()
    assert (table_comment, column_comment) == ("One row per person.", "Hashed person key.")


def test_parquet_files_hold_the_same_rows(warehouse: Path, tmp_path: Path):
    folder = tmp_path / "serving"
    publish_marts(warehouse, folder, ["dim_people", "dim_stages"])
    link = folder / PARQUET_LINK
    assert link.is_symlink()
    assert sorted(p.name for p in link.iterdir()) == ["dim_people.parquet", "dim_stages.parquet"]
    rows = duckdb.sql(f"select * from '{link / 'dim_people.parquet'}' order by person_key")
    assert rows.fetchall() == [(f"p{i}", i % 3) for i in sorted(range(5), key=lambda i: f"p{i}")]


def test_a_reader_keeps_its_version_while_a_new_one_is_published(warehouse: Path, tmp_path: Path):
    folder = tmp_path / "serving"
    publish_marts(warehouse, folder, ["dim_people"])
    reader = duckdb.connect(str(folder / SERVING_DATABASE), read_only=True)
    try:
        make_warehouse(warehouse, people=9)
        publish_marts(warehouse, folder, ["dim_people"])
        # The open connection still reads the old, complete file ...
        assert reader.execute("select count(*) from marts.dim_people").fetchone() == (5,)
    finally:
        reader.close()
    # ... and a reader that opens the file now gets the new one.
    assert people_count(folder / SERVING_DATABASE) == 9


def test_parquet_link_switches_and_old_snapshots_are_pruned(warehouse: Path, tmp_path: Path):
    folder = tmp_path / "serving"
    targets = []
    for people in (1, 2, 3, 4):
        make_warehouse(warehouse, people=people)
        publish_marts(warehouse, folder, ["dim_people"])
        targets.append((folder / PARQUET_LINK).resolve())
        assert duckdb.sql(
            f"select count(*) from '{folder / PARQUET_LINK / 'dim_people.parquet'}'"
        ).fetchall() == [(people,)]
    assert len(set(targets)) == 4
    # The current snapshot and the one before it (a reader may still be listing it) remain.
    assert sorted((folder / PARQUET_SNAPSHOTS).iterdir()) == sorted(targets[-2:])


def test_a_failed_publication_leaves_the_last_one_untouched(warehouse: Path, tmp_path: Path):
    folder = tmp_path / "serving"
    publish_marts(warehouse, folder, ["dim_people"])
    before = (folder / SERVING_DATABASE).read_bytes()
    link_before = (folder / PARQUET_LINK).resolve()
    with pytest.raises(duckdb.CatalogException):
        publish_marts(warehouse, folder, ["dim_people", "no_such_mart"])
    assert (folder / SERVING_DATABASE).read_bytes() == before
    assert (folder / PARQUET_LINK).resolve() == link_before
    leftovers = [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
    assert len(list((folder / PARQUET_SNAPSHOTS).iterdir())) == 1
