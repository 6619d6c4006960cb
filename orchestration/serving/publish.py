"""Publish the marts to a separate DuckDB file and to Parquet, atomically.

DuckDB lets one process write a file or many read it, never both. BI tools therefore never
open the warehouse: they read a copy of the marts that the job rebuilds after each
successful run. The copy is built under a temporary name and moved over the old one with
`os.replace`, so a reader that already has the old file open keeps reading the old,
complete version, and a reader that opens it afterwards sees the new one. Nobody waits.

The copy is written in DuckDB's v1.0.0 storage format, which every DuckDB 1.x client
(BI drivers lag behind) can open. Parquet snapshots are written to a new folder each time
and a `parquet` symlink is switched to it in one atomic rename.

Only what changed is written again. The staged file starts as a copy of the served one, and
the new snapshot links the previous snapshot's files: a mart whose rows (a count and a sum of
row hashes, over the warehouse, the served file and the old Parquet file each) and columns
are those already served is kept. A changed mart whose columns are those served is patched:
its rows are grouped by their leading column (the grain key of the large marts), the groups
whose count or sum of row hashes differ between the warehouse and the served table are
deleted and copied again, and the others stay (a day's delivery re-derives a few percent of
the journeys, so most of a large mart stays). The mart is dropped and copied whole instead
when its columns changed, when the rows a patch would delete plus those it would write pass
half of its rows, or when the deleted rows its file still stores would pass a quarter. A
mart the warehouse keeps as a view over served marts (stage_attribution unnests
conversion_touches) is served as the same view, with its descriptions, not as its expanded
rows; its Parquet file holds the expanded rows.

Row hashes are DuckDB's `hash`: a change between two values it hashes alike goes unseen. For
text, numbers and times that takes a 64-bit collision; but an empty list, a list of one
null, a struct of nulls and null itself hash alike, so a mart with list or struct columns
would not see a change between those.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.paths import duckdb_limits
from orchestration.serving.locations import PARQUET_LINK, PARQUET_SNAPSHOTS, SERVING_DATABASE

# The storage format written: v1.0.0 is readable by DuckDB 1.0 and every later client.
STORAGE_VERSION = "v1.0.0"
# Number in the file header of that format (what a 1.x client checks before opening).
STORAGE_VERSION_NUMBER = 64
SERVING_SCHEMA = "marts"
# A changed mart is patched when the rows a patch deletes plus those it writes are at most
# this share of the mart's rows; past it, copying the mart whole is cheaper.
PATCH_MAX_SHARE = 0.5
# A deleted row stays in the served file until its row group is compacted: a mart is copied
# whole again once the rows it stores for deletes would pass this share of its rows, so
# daily patches cannot grow the file (or the readers' scans) without bound.
DEAD_ROWS_MAX_SHARE = 0.25
# One row's hash, of the row aliased `r`: a mart's fingerprint sums it, and a patch compares
# its sums per group, so both judge "the same rows" alike.
ROW_HASH = "hash(r)::hugeint"


@dataclass(frozen=True)
class Publication:
    """What one publication wrote."""

    database: Path
    parquet_dir: Path
    row_counts: dict[str, int]
    parquet_files: dict[str, Path] = field(default_factory=dict)
    # The marts written again; the others were carried over from the previous publication.
    rewritten: list[str] = field(default_factory=list)
    # Of those, the marts written again only in the groups of rows that changed (patched).
    patched: list[str] = field(default_factory=list)
    published_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def size_bytes(self) -> int:
        return self.database.stat().st_size


def quote_identifier(name: str) -> str:
    """A DuckDB identifier in double quotes."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str | Path) -> str:
    """A DuckDB string literal in single quotes."""
    return "'" + str(text).replace("'", "''") + "'"


def storage_version_number(database: Path) -> int:
    """The storage version number in a DuckDB file's header (64 for the 1.x formats)."""
    with Path(database).open("rb") as handle:
        header = handle.read(20)
    if header[8:12] != b"DUCK":
        raise ValueError(f"{database} is not a DuckDB database file")
    return int.from_bytes(header[12:20], "little")


def publish_marts(
    warehouse: Path,
    folder: Path,
    tables: list[str],
    schema: str = SERVING_SCHEMA,
    log: Callable[[str], None] = lambda _message: None,
) -> Publication:
    """Copy `schema.<table>` for every table to the serving file and to Parquet, atomically.

    The new version starts as a copy of the previous serving file and Parquet snapshot: a
    mart whose content (`fingerprint`) and columns equal what was served is carried over,
    any other one is written again. A mart the warehouse keeps as a view is served as the
    same view when it reads only served marts."""
    folder.mkdir(parents=True, exist_ok=True)
    token = f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:8]}"
    staged_db = folder / f".{SERVING_DATABASE}.{token}.tmp"
    snapshot = folder / PARQUET_SNAPSHOTS / token
    previous_parquet = _current_snapshot(folder)
    snapshot.mkdir(parents=True)
    try:
        _start_from_previous(folder / SERVING_DATABASE, staged_db)
        copy = _build_copy(warehouse, staged_db, snapshot, previous_parquet, tables, schema, log)
        final_db = folder / SERVING_DATABASE
        os.replace(staged_db, final_db)
        parquet_dir = _switch_parquet_link(folder, snapshot)
    except BaseException:
        for leftover in (staged_db, staged_db.with_name(staged_db.name + ".wal")):
            leftover.unlink(missing_ok=True)
        shutil.rmtree(snapshot, ignore_errors=True)
        raise
    _prune_snapshots(folder, keep={snapshot.name, *_previous_snapshot(folder)})
    return Publication(final_db, parquet_dir, copy.counts, copy.files, copy.rewritten, copy.patched)


@dataclass
class _Copy:
    counts: dict[str, int] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    rewritten: list[str] = field(default_factory=list)
    patched: list[str] = field(default_factory=list)


def _start_from_previous(previous: Path, staged_db: Path) -> None:
    """Copy the served file to the staged name, when there is one in the format served:
    copying the file costs far less than writing its tables again."""
    if previous.exists() and storage_version_number(previous) == STORAGE_VERSION_NUMBER:
        shutil.copyfile(previous, staged_db)


def _current_snapshot(folder: Path) -> Path | None:
    link = folder / PARQUET_LINK
    return link.resolve() if link.is_symlink() and link.resolve().is_dir() else None


def fingerprint(con: duckdb.DuckDBPyConnection, relation: str) -> tuple[int, int]:
    """Rows, and the sum of a 64-bit hash of each whole row: equal for equal content in any
    order, and different for different content unless the hash sums collide."""
    sql = f"select count(*), coalesce(sum({ROW_HASH}), 0) from {relation} as r"
    rows, hashes = con.execute(sql).fetchone()  # type: ignore[misc]
    return int(rows), int(hashes)


def _description(
    con: duckdb.DuckDBPyConnection, database: str, schema: str, table: str
) -> str | None:
    """The table's or view's own description (dbt persists it as a comment)."""
    (comment,) = con.execute(
        "select comment from duckdb_tables() where database_name = ? and schema_name = ? "
        "and table_name = ? union all select comment from duckdb_views() "
        "where database_name = ? and schema_name = ? and view_name = ?",
        [database, schema, table] * 2,
    ).fetchone() or (None,)
    return comment


def _columns(
    con: duckdb.DuckDBPyConnection, database: str, schema: str, table: str
) -> tuple[list[tuple], str | None]:
    """Column names, types and descriptions in order, and the table's own description."""
    columns = con.execute(
        "select column_name, data_type, comment from duckdb_columns() "
        "where database_name = ? and schema_name = ? and table_name = ? "
        "order by column_index",
        [database, schema, table],
    ).fetchall()
    return columns, _description(con, database, schema, table)


def _views(con: duckdb.DuckDBPyConnection, database: str, schema: str) -> dict[str, str]:
    rows = con.execute(
        "select view_name, sql from duckdb_views() where database_name = ? and schema_name = ?",
        [database, schema],
    ).fetchall()
    return dict(rows)


def _build_copy(
    warehouse: Path,
    staged_db: Path,
    snapshot: Path,
    previous_parquet: Path | None,
    tables: list[str],
    schema: str,
    log: Callable[[str], None],
) -> _Copy:
    copy = _Copy()
    # Attach under the file's own name, as dbt does, so views in the marts still resolve.
    source_db = Path(warehouse).stem
    attach_source = (
        f"attach {quote_literal(warehouse)} as {quote_identifier(source_db)} (read_only)"
    )
    source = {t: ".".join(map(quote_identifier, (source_db, schema, t))) for t in tables}
    target = {t: f"serving.{quote_identifier(schema)}.{quote_identifier(t)}" for t in tables}
    # Capped like every pipeline connection: unbounded, copying the largest marts at 10M
    # events took this process to 10 GB.
    with duckdb.connect(":memory:", config=duckdb_limits(warehouse)) as con:
        con.execute(attach_source)
        con.execute(
            f"attach {quote_literal(staged_db)} as serving (storage_version '{STORAGE_VERSION}')"
        )
        con.execute(f"create schema if not exists serving.{quote_identifier(schema)}")
        views = {t: sql for t, sql in _views(con, source_db, schema).items() if t in tables}
        counts = {t: _row_count(con, source[t]) for t in tables}
        alike = _served_alike(con, source_db, schema, tables)
        prints = _same_content(con, schema, source, counts, alike)
        # Kept: tables holding what the warehouse holds, and views defined as there (they
        # read the served tables, so they show the new rows once those are written).
        served_views = _views(con, "serving", schema)
        unchanged = {t for t in prints if t not in views}
        unchanged |= {t for t, sql in views.items() if t in alike and served_views.get(t) == sql}
        patches = {
            t: patch
            for t, kind in alike.items()
            if kind == "table"
            and t not in unchanged
            and t not in views
            and (patch := _changed_groups(con, source[t], schema, t, counts[t])) is not None
        }
        _drop_all_but(con, schema, unchanged | set(patches))
        for table in (t for t in tables if t not in unchanged and t not in views):
            if table in patches:
                _apply_patch(con, source[table], target[table], patches[table])
                copy.patched.append(table)
                log(
                    f"patched {schema}.{table}: {patches[table].rows:,} of {counts[table]:,} "
                    "rows written again"
                )
            else:
                _copy_table(con, source_db, schema, table, source[table], target[table])
            copy.rewritten.append(table)
        # Views are bound with the warehouse detached: one that reads anything but the
        # served marts cannot be served as a view, and is copied as a table instead. Their
        # descriptions are read before.
        view_comments = {
            t: _comment_statements(con, source_db, schema, t, target[t], kind="view")
            for t in views
            if t not in unchanged
        }
        con.execute(f"detach {quote_identifier(source_db)}")
        as_tables = []
        for view in (t for t in views if t not in unchanged):
            if _create_view(con, views[view]):
                for statement in view_comments[view]:
                    con.execute(statement)
            else:
                as_tables.append(view)
        if as_tables:
            con.execute(attach_source)
            for table in as_tables:
                _copy_table(con, source_db, schema, table, source[table], target[table])
        copy.rewritten += [t for t in views if t not in unchanged]
        for table in tables:
            parquet = snapshot / f"{table}.parquet"
            reused = (
                table in prints
                and previous_parquet is not None
                and _carry_parquet(
                    con, previous_parquet / parquet.name, parquet, target[table], prints[table]
                )
            )
            if not reused:
                _write_parquet(con, target[table], parquet)
            copy.files[table], copy.counts[table] = parquet, counts[table]
            if table in copy.patched:
                state = "patched"
            elif table in as_tables or (table not in views and table not in unchanged):
                state = "copied"
            else:
                state = "view" if table in views else "carried over"
            log(
                f"{state} {schema}.{table}: {copy.counts[table]:,} rows, Parquet "
                f"{'carried over' if reused else 'written'} ({len(copy.counts)}/{len(tables)})"
            )
        con.execute("checkpoint serving")
        con.execute("detach serving")
    return copy


def _row_count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    (count,) = con.execute(f"select count(*) from {relation}").fetchone()  # type: ignore[misc]
    return int(count)


def _same_content(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    source: dict[str, str],
    counts: dict[str, int],
    alike: Iterable[str],
) -> dict[str, tuple[int, int]]:
    """Of the marts served alike (`_served_alike`), those whose served rows have the
    warehouse's fingerprint, with that fingerprint. Rows are hashed only where the row
    counts agree."""
    same = {}
    for table in alike:
        served_table = f"serving.{quote_identifier(schema)}.{quote_identifier(table)}"
        if _row_count(con, served_table) != counts[table]:
            continue
        held = fingerprint(con, source[table])
        if fingerprint(con, served_table) == held:
            same[table] = held
    return same


def _served_alike(
    con: duckdb.DuckDBPyConnection, source_db: str, schema: str, tables: list[str]
) -> dict[str, str]:
    """The marts the staged file serves with the warehouse's columns, types and descriptions,
    each with what it is served as ('table' or 'view'), read before anything is written."""
    served = dict(
        con.execute(
            "select table_name, 'table' from duckdb_tables() "
            "where database_name = 'serving' and schema_name = ? union all "
            "select view_name, 'view' from duckdb_views() "
            "where database_name = 'serving' and schema_name = ?",
            [schema, schema],
        ).fetchall()
    )
    return {
        t: served[t]
        for t in tables
        if t in served
        and _columns(con, source_db, schema, t) == _columns(con, "serving", schema, t)
    }


@dataclass(frozen=True)
class _Patch:
    """The groups of a mart's rows to replace: their hashes' table, and the rows to write."""

    groups: str
    group_by: str
    rows: int


def _changed_groups(
    con: duckdb.DuckDBPyConnection,
    source: str,
    schema: str,
    table: str,
    source_rows: int,
) -> _Patch | None:
    """The groups of rows (by the leading column) whose count or sum of row hashes differ
    between `source` and the served `schema.table`, or None when the mart is better copied whole:
    the patch would delete and write more than PATCH_MAX_SHARE of its rows, or leave the
    served file storing more than DEAD_ROWS_MAX_SHARE of them for deletes.

    Any grouping makes a patch exact: a group with the same count and hash sum on both sides
    holds the same rows (to the standard of `fingerprint`), and every other group is
    replaced whole. The leading column is the grain key of the large marts, so their groups
    are small and a day's changes touch few of them."""
    target = f"serving.{quote_identifier(schema)}.{quote_identifier(table)}"
    # estimated_size: the rows the file stores, those deleted but not yet compacted included.
    served_rows, stored_rows = con.execute(
        f"select count(*), (select estimated_size from duckdb_tables() where database_name = "
        f"'serving' and schema_name = ? and table_name = ?) from {target}",
        [schema, table],
    ).fetchone()  # type: ignore[misc]
    budget = PATCH_MAX_SHARE * max(source_rows, 1)
    dead_budget = DEAD_ROWS_MAX_SHARE * max(source_rows, 1) - max(stored_rows - served_rows, 0)
    if abs(source_rows - served_rows) > budget or dead_budget < 0:
        return None
    key = con.sql(f"select * from {source}").columns[0]
    group_by = f"hash({quote_identifier(key)})"
    groups = f"_changed_groups_{uuid.uuid4().hex[:8]}"
    # One aggregate over both sides, each row signed by its side: a group is unchanged when
    # its rows cancel out, in number and in hash sum.
    con.execute(
        f"""
        create temp table {groups} as
        with both_sides as (
            select {group_by} as group_hash, 1 as side, {ROW_HASH} as row_hash
            from {source} as r
            union all
            select {group_by} as group_hash, -1 as side, {ROW_HASH} as row_hash
            from {target} as r
        )
        select
            group_hash,
            count(*) filter (where side = 1) as source_rows,
            count(*) filter (where side = -1) as served_rows
        from both_sides
        group by group_hash
        having sum(side) <> 0 or sum(side * row_hash) <> 0
        """
    )
    written, deleted = con.execute(
        f"select coalesce(sum(source_rows), 0), coalesce(sum(served_rows), 0) from {groups}"
    ).fetchone()  # type: ignore[misc]
    if written + deleted > budget or deleted > dead_budget:
        con.execute(f"drop table {groups}")
        return None
    return _Patch(groups, group_by, int(written))


def _apply_patch(con: duckdb.DuckDBPyConnection, source: str, target: str, patch: _Patch) -> None:
    """Replace the patch's groups of `target` by `source`'s rows of those groups."""
    changed = f"{patch.group_by} in (select group_hash from {patch.groups})"
    con.execute(f"delete from {target} where {changed}")
    con.execute(f"insert into {target} select * from {source} where {changed}")
    con.execute(f"drop table {patch.groups}")


def _drop_all_but(con: duckdb.DuckDBPyConnection, schema: str, keep: set[str]) -> None:
    """Drop every served relation not kept, then checkpoint, so the tables written next
    reuse the freed blocks instead of growing the file."""
    relations = con.execute(
        "select view_name, 'view' from duckdb_views() "
        "where database_name = 'serving' and schema_name = ? union all "
        "select table_name, 'table' from duckdb_tables() "
        "where database_name = 'serving' and schema_name = ? order by 2 desc",
        [schema, schema],
    ).fetchall()
    for name, kind in relations:  # views first: they read the tables
        if name not in keep:
            con.execute(f"drop {kind} serving.{quote_identifier(schema)}.{quote_identifier(name)}")
    con.execute("checkpoint serving")


def _copy_table(
    con: duckdb.DuckDBPyConnection,
    source_db: str,
    schema: str,
    table: str,
    source: str,
    target: str,
) -> None:
    con.execute(f"create table {target} as select * from {source}")
    _copy_comments(con, source_db, schema, table, target)


def _create_view(con: duckdb.DuckDBPyConnection, sql: str) -> bool:
    """Create a warehouse view's definition, as written, in the serving file; False when it
    does not bind there (it reads a relation that is not served)."""
    con.execute("use serving")
    try:
        con.execute(sql)
    except (duckdb.CatalogException, duckdb.BinderException):
        return False
    finally:
        con.execute("use memory")
    return True


def _parquet_holds(
    con: duckdb.DuckDBPyConnection, parquet: Path, relation: str, expected: tuple[int, int]
) -> bool:
    """The Parquet file has the relation's column names and fingerprint."""
    scan = f"read_parquet({quote_literal(parquet)})"
    names = [con.sql(f"select * from {source}").columns for source in (scan, relation)]
    return names[0] == names[1] and fingerprint(con, scan) == expected


def _carry_parquet(
    con: duckdb.DuckDBPyConnection,
    old: Path,
    parquet: Path,
    relation: str,
    expected: tuple[int, int],
) -> bool:
    """Link the previous snapshot's file `old` as `parquet` when it holds the relation's
    columns and the fingerprint `expected` (True). Checked on the file itself: a publication
    stopped between switching the database and the link leaves the two apart."""
    if not (old.exists() and _parquet_holds(con, old, relation, expected)):
        return False
    try:
        os.link(old, parquet)  # snapshots are never written after publication
    except OSError:
        shutil.copyfile(old, parquet)
    return True


def _write_parquet(con: duckdb.DuckDBPyConnection, relation: str, parquet: Path) -> None:
    """Write the relation's Parquet file."""
    # Rows in any order (a relation has none): DuckDB then writes the file on every thread,
    # in about half the time at 1M events.
    con.execute("set preserve_insertion_order = false")
    try:
        con.execute(f"copy (select * from {relation}) to {quote_literal(parquet)} (format parquet)")
    finally:
        con.execute("reset preserve_insertion_order")


def _copy_comments(
    con: duckdb.DuckDBPyConnection, source_db: str, schema: str, table: str, target: str
) -> None:
    """Carry the dbt descriptions (persisted as comments) over, so BI tools show them."""
    for statement in _comment_statements(con, source_db, schema, table, target):
        con.execute(statement)


def _comment_statements(
    con: duckdb.DuckDBPyConnection,
    source_db: str,
    schema: str,
    table: str,
    target: str,
    kind: str = "table",
) -> list[str]:
    """The statements that give `target` (a table or view) the warehouse's descriptions."""
    statements = []
    table_comment = _description(con, source_db, schema, table)
    if table_comment:
        statements.append(f"comment on {kind} {target} is {quote_literal(table_comment)}")
    columns = con.execute(
        "select column_name, comment from duckdb_columns() where database_name = ? "
        "and schema_name = ? and table_name = ? and comment is not null",
        [source_db, schema, table],
    ).fetchall()
    statements += [
        f"comment on column {target}.{quote_identifier(column)} is {quote_literal(comment)}"
        for column, comment in columns
    ]
    return statements


def _switch_parquet_link(folder: Path, snapshot: Path) -> Path:
    """Point `<folder>/parquet` at the new snapshot in one rename."""
    link = folder / PARQUET_LINK
    if link.exists() and not link.is_symlink():
        raise FileExistsError(f"{link} exists and is not the symlink this job manages")
    staged_link = folder / f".{PARQUET_LINK}.{snapshot.name}.tmp"
    staged_link.symlink_to(snapshot.relative_to(folder), target_is_directory=True)
    os.replace(staged_link, link)
    return link


def _previous_snapshot(folder: Path) -> list[str]:
    """The newest snapshot other than the current one: a reader may still be listing it."""
    root = folder / PARQUET_SNAPSHOTS
    current = (folder / PARQUET_LINK).resolve().name
    older = sorted(p.name for p in root.iterdir() if p.is_dir() and p.name != current)
    return older[-1:]


def _prune_snapshots(folder: Path, keep: set[str]) -> None:
    for path in (folder / PARQUET_SNAPSHOTS).iterdir():
        if path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)
