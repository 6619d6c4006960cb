"""Publishing the marts: only the marts, in the 1.x storage format, atomically, with Parquet."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.serving.locations import PARQUET_LINK, PARQUET_SNAPSHOTS, SERVING_DATABASE
from orchestration.serving.publish import (
    STORAGE_VERSION_NUMBER,
    Publication,
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


def add_touches(path: Path, touches: int) -> None:
    """A table mart and a view mart over it that expands each touch into two credits."""
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create or replace table marts.touches as "
            "select 't' || range as touch_id, [range, range * 10] as credits from range(?)",
            [touches],
        )
        con.execute(
            "create or replace view marts.credits as "
            "select touch_id, unnest(credits) as credit from marts.touches"
        )
        # As dbt's persist_docs does; the served view is created from its SQL alone.
        con.execute("comment on column marts.credits.credit is 'One touch credit.'")


def served_rows(database: Path, table: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(f"select * from marts.{table} order by all").fetchall()


def parquet_rows(folder: Path, table: str) -> list[tuple]:
    return duckdb.sql(
        f"select * from '{folder / PARQUET_LINK / table}.parquet' order by all"
    ).fetchall()


def test_a_view_over_served_marts_is_served_as_that_view(warehouse: Path, tmp_path: Path):
    add_touches(warehouse, touches=3)
    folder = tmp_path / "serving"
    publication = publish_marts(warehouse, folder, ["touches", "credits"])
    with duckdb.connect(str(publication.database), read_only=True) as con:
        served_views = con.execute("select view_name from duckdb_views() where not internal")
        assert served_views.fetchall() == [("credits",)]
        described = con.execute(
            "select column_name, comment from duckdb_columns() where table_name = 'credits'"
        )
        assert described.fetchall() == [("touch_id", None), ("credit", "One touch credit.")]
    expected = sorted((f"t{n}", credit) for n in range(3) for credit in (n, n * 10))
    assert served_rows(publication.database, "credits") == expected
    assert parquet_rows(folder, "credits") == expected  # the expanded rows, as before
    assert publication.row_counts == {"touches": 3, "credits": 6}


def test_a_view_reading_what_is_not_served_is_copied_as_a_table(warehouse: Path, tmp_path: Path):
    add_touches(warehouse, touches=2)
    publication = publish_marts(warehouse, tmp_path / "serving", ["credits"])
    with duckdb.connect(str(publication.database), read_only=True) as con:
        assert con.execute("select table_name from duckdb_tables()").fetchall() == [("credits",)]
    assert len(served_rows(publication.database, "credits")) == 4


def test_only_changed_marts_are_written_again(warehouse: Path, tmp_path: Path):
    add_touches(warehouse, touches=3)
    folder = tmp_path / "serving"
    marts = ["dim_people", "dim_stages", "touches", "credits"]
    first = publish_marts(warehouse, folder, marts)
    assert sorted(first.rewritten) == sorted(marts)
    stages_parquet = (folder / PARQUET_LINK / "dim_stages.parquet").resolve()

    make_warehouse(warehouse, people=7)  # dim_people grows; dim_stages is rebuilt, the same
    add_touches(warehouse, touches=4)
    second = publish_marts(warehouse, folder, marts)
    # The view's definition did not change: it is kept, and reads the new touches.
    assert sorted(second.rewritten) == ["dim_people", "touches"]
    # Two new people of 7 and one new touch of 4: each written as its new groups.
    assert sorted(second.patched) == ["dim_people", "touches"]
    assert people_count(second.database) == 7
    assert served_rows(second.database, "dim_stages") == [("lead",)]
    assert len(served_rows(second.database, "credits")) == 8
    assert len(parquet_rows(folder, "credits")) == 8
    assert len(parquet_rows(folder, "dim_people")) == 7
    # The unchanged mart's Parquet file is the previous snapshot's, linked.
    assert (folder / PARQUET_LINK / "dim_stages.parquet").samefile(stages_parquet)

    credits_parquet = (folder / PARQUET_LINK / "credits.parquet").resolve()
    third = publish_marts(warehouse, folder, marts)
    assert third.rewritten == []
    assert people_count(third.database) == 7
    # Nothing changed: the view's Parquet file (its expanded rows) is carried over too.
    assert (folder / PARQUET_LINK / "credits.parquet").samefile(credits_parquet)
    assert len(parquet_rows(folder, "credits")) == 8


def test_a_change_that_keeps_the_row_count_is_written_again(warehouse: Path, tmp_path: Path):
    folder = tmp_path / "serving"
    publish_marts(warehouse, folder, ["dim_people", "dim_stages"])
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update marts.dim_people set score = 9 where person_key = 'p1'")
        con.execute("alter table marts.dim_stages add column stage_order integer default 1")
    publication = publish_marts(warehouse, folder, ["dim_people", "dim_stages"])
    assert sorted(publication.rewritten) == ["dim_people", "dim_stages"]
    assert ("p1", 9) in served_rows(publication.database, "dim_people")
    assert ("p1", 9) in parquet_rows(folder, "dim_people")
    assert served_rows(publication.database, "dim_stages") == [("lead", 1)]

    with duckdb.connect(str(warehouse)) as con:  # the same values under another name
        con.execute("alter table marts.dim_stages rename column stage_order to stage_rank")
    publication = publish_marts(warehouse, folder, ["dim_people", "dim_stages"])
    assert publication.rewritten == ["dim_stages"]
    parquet = folder / PARQUET_LINK / "dim_stages.parquet"
    assert duckdb.sql(f"select * from '{parquet}'").columns == ["stage_key", "stage_rank"]
    with duckdb.connect(str(publication.database), read_only=True) as con:
        assert con.sql("select * from marts.dim_stages").columns == ["stage_key", "stage_rank"]


def test_a_stale_parquet_file_is_never_carried_over(warehouse: Path, tmp_path: Path):
    """A publication stopped between switching the database and the Parquet link leaves
    the served file newer than the Parquet snapshot: each is checked on its own."""
    folder = tmp_path / "serving"
    publish_marts(warehouse, folder, ["dim_people"])
    make_warehouse(warehouse, people=6)
    stale_link = (folder / PARQUET_LINK).resolve()
    publish_marts(warehouse, folder, ["dim_people"])
    link = folder / PARQUET_LINK
    link.unlink()
    link.symlink_to(stale_link.relative_to(folder), target_is_directory=True)
    assert len(parquet_rows(folder, "dim_people")) == 5  # the stopped state

    publication = publish_marts(warehouse, folder, ["dim_people"])
    assert publication.rewritten == []  # the served file already holds the 6 rows
    assert len(parquet_rows(folder, "dim_people")) == 6


def test_descriptions_changed_alone_are_published(warehouse: Path, tmp_path: Path):
    folder = tmp_path / "serving"
    publish_marts(warehouse, folder, ["dim_people"])
    with duckdb.connect(str(warehouse)) as con:
        con.execute("comment on column marts.dim_people.score is 'Lead score.'")
    publication = publish_marts(warehouse, folder, ["dim_people"])
    assert publication.rewritten == ["dim_people"]
    with duckdb.connect(str(publication.database), read_only=True) as con:
        (comment,) = con.execute(
            "select comment from duckdb_columns() where column_name = 'score'"
        ).fetchone()
    assert comment == "Lead score."


def republish(
    warehouse: Path, folder: Path, marts: list[str], *changes: str
) -> tuple[Publication, list[str]]:
    """Publish, apply `changes` to the warehouse, publish again: that publication and its log."""
    publish_marts(warehouse, folder, marts)
    with duckdb.connect(str(warehouse)) as con:
        for change in changes:
            con.execute(change)
    messages: list[str] = []
    return publish_marts(warehouse, folder, marts, log=messages.append), messages


def test_a_few_changed_rows_are_patched_in_place(warehouse: Path, tmp_path: Path):
    folder = tmp_path / "serving"
    make_warehouse(warehouse, people=10)  # p0..p9, score = n % 3
    publication, messages = republish(
        warehouse,
        folder,
        ["dim_people", "dim_stages"],
        "update marts.dim_people set score = 9 where person_key = 'p1'",
        "delete from marts.dim_people where person_key = 'p2'",
        "insert into marts.dim_people values ('p10', 1)",
    )
    assert publication.patched == ["dim_people"]
    assert publication.rewritten == ["dim_people"]
    # Written again: the groups of p1 (changed) and p10 (new); p2's group is only deleted.
    assert "patched marts.dim_people: 2 of 10 rows written again" in messages
    expected = sorted(
        [(f"p{n}", n % 3) for n in (0, 3, 4, 5, 6, 7, 8, 9)] + [("p1", 9), ("p10", 1)]
    )
    assert served_rows(publication.database, "dim_people") == expected
    assert parquet_rows(folder, "dim_people") == expected
    with duckdb.connect(str(publication.database), read_only=True) as con:
        (comment,) = con.execute(
            "select comment from duckdb_tables() where table_name = 'dim_people'"
        ).fetchone()
    assert comment == "One row per person."


def test_repeated_and_null_keys_are_patched_exactly(warehouse: Path, tmp_path: Path):
    """Groups are compared by row count and hash sum, so a repeated row or a null key counts."""
    make_warehouse(warehouse, people=10)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("insert into marts.dim_people values (null, 1)")
    publication, messages = republish(
        warehouse,
        tmp_path / "serving",
        ["dim_people"],
        "insert into marts.dim_people values ('p3', 0), (null, 2)",
    )
    assert publication.patched == ["dim_people"]
    # The p3 group (two rows now) and the null group (two rows now).
    assert "patched marts.dim_people: 4 of 13 rows written again" in messages
    expected = sorted(
        [(f"p{n}", n % 3) for n in range(10)] + [("p3", 0), (None, 1), (None, 2)],
        key=lambda row: (row[0] is None, row),
    )
    assert served_rows(publication.database, "dim_people") == expected


def test_a_mart_mostly_changed_is_copied_whole(warehouse: Path, tmp_path: Path):
    make_warehouse(warehouse, people=10)
    publication, messages = republish(
        warehouse,
        tmp_path / "serving",
        ["dim_people"],
        "update marts.dim_people set score = score + 1 where person_key <> 'p0'",
    )
    assert publication.patched == []
    assert publication.rewritten == ["dim_people"]
    assert not any(message.startswith("patched") for message in messages)
    expected = sorted([("p0", 0)] + [(f"p{n}", n % 3 + 1) for n in range(1, 10)])
    assert served_rows(publication.database, "dim_people") == expected


def test_a_view_is_kept_over_a_table_copied_whole(warehouse: Path, tmp_path: Path):
    add_touches(warehouse, touches=3)
    folder = tmp_path / "serving"
    publish_marts(warehouse, folder, ["touches", "credits"])
    add_touches(warehouse, touches=10)  # 7 new touches of 10: more than half, copied whole
    publication = publish_marts(warehouse, folder, ["touches", "credits"])
    assert publication.patched == []
    assert sorted(publication.rewritten) == ["touches"]
    expected = sorted((f"t{n}", credit) for n in range(10) for credit in (n, n * 10))
    assert served_rows(publication.database, "credits") == expected
    assert parquet_rows(folder, "credits") == expected


def test_the_patch_limits(warehouse: Path, tmp_path: Path):
    """Rows deleted plus rows written may reach half of the mart's rows, not pass it."""
    make_warehouse(warehouse, people=10)
    folder = tmp_path / "serving"
    # 2 changed people (2 deleted, 2 written) and 1 new (1 written): 5 of 10 rows.
    publication, _ = republish(
        warehouse,
        folder,
        ["dim_people"],
        "update marts.dim_people set score = 7 where person_key in ('p1', 'p2')",
        "insert into marts.dim_people values ('p10', 1)",
    )
    assert publication.patched == ["dim_people"]
    # 3 changed people: 6 of 11 rows.
    publication, _ = republish(
        warehouse,
        folder,
        ["dim_people"],
        "update marts.dim_people set score = 8 where person_key in ('p3', 'p4', 'p5')",
    )
    assert (publication.patched, publication.rewritten) == ([], ["dim_people"])


def test_deleted_rows_kept_by_patches_stay_bounded(warehouse: Path, tmp_path: Path):
    """Patches leave deleted rows in the served file until their row groups are compacted;
    a mart is copied whole again before they pass a quarter of its rows."""
    make_warehouse(warehouse, people=200_000)
    folder = tmp_path / "serving"
    publish_marts(warehouse, folder, ["dim_people"])
    patched, stored_share = [], []
    for publication in range(1, 7):
        with duckdb.connect(str(warehouse)) as con:  # a tenth of the people, all over the table
            con.execute(
                "update marts.dim_people set score = ? where hash(person_key) % 10 = ?",
                [publication + 10, publication],
            )
        patched.append(publish_marts(warehouse, folder, ["dim_people"]).patched == ["dim_people"])
        with duckdb.connect(str(folder / SERVING_DATABASE), read_only=True) as con:
            stored, rows = con.execute(
                "select estimated_size, (select count(*) from marts.dim_people) "
                "from duckdb_tables() where table_name = 'dim_people'"
            ).fetchone()
        stored_share.append(stored / rows)
    assert all(share <= 1.25 for share in stored_share), stored_share
    assert True in patched and False in patched, patched
    with duckdb.connect(str(warehouse), read_only=True) as con:
        expected = con.execute("select count(*), sum(score) from marts.dim_people").fetchone()
    with duckdb.connect(str(folder / SERVING_DATABASE), read_only=True) as con:
        served = con.execute("select count(*), sum(score) from marts.dim_people").fetchone()
    assert served == expected
