"""Publish the marts to a separate DuckDB file and to Parquet, atomically.

DuckDB lets one process write a file or many read it, never both. BI tools therefore never
open the warehouse: they read a copy of the marts that the job rebuilds after each
successful run. The copy is built under a temporary name and moved over the old one with
`os.replace`, so a reader that already has the old file open keeps reading the old,
complete version, and a reader that opens it afterwards sees the new one. Nobody waits.

The copy is written in DuckDB's v1.0.0 storage format, which every DuckDB 1.x client
(BI drivers lag behind) can open. Parquet snapshots are written to a new folder each time
and a `parquet` symlink is switched to it in one atomic rename.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable
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


@dataclass(frozen=True)
class Publication:
    """What one publication wrote."""

    database: Path
    parquet_dir: Path
    row_counts: dict[str, int]
    parquet_files: dict[str, Path] = field(default_factory=dict)
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
    """Copy `schema.<table>` for every table to the serving file and to Parquet, atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    token = f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:8]}"
    staged_db = folder / f".{SERVING_DATABASE}.{token}.tmp"
    snapshot = folder / PARQUET_SNAPSHOTS / token
    snapshot.mkdir(parents=True)
    try:
        counts, files = _build_copy(warehouse, staged_db, snapshot, tables, schema, log)
        final_db = folder / SERVING_DATABASE
        os.replace(staged_db, final_db)
        parquet_dir = _switch_parquet_link(folder, snapshot)
    except BaseException:
        staged_db.unlink(missing_ok=True)
        shutil.rmtree(snapshot, ignore_errors=True)
        raise
    _prune_snapshots(folder, keep={snapshot.name, *_previous_snapshot(folder)})
    return Publication(final_db, parquet_dir, counts, files)


def _build_copy(
    warehouse: Path,
    staged_db: Path,
    snapshot: Path,
    tables: list[str],
    schema: str,
    log: Callable[[str], None],
) -> tuple[dict[str, int], dict[str, Path]]:
    counts: dict[str, int] = {}
    files: dict[str, Path] = {}
    # Attach under the file's own name, as dbt does, so views in the marts still resolve.
    source_db = Path(warehouse).stem
    # Capped like every pipeline connection: unbounded, copying the largest marts at 10M
    # events took this process to 10 GB.
    with duckdb.connect(":memory:", config=duckdb_limits(warehouse)) as con:
        con.execute(
            f"attach {quote_literal(warehouse)} as {quote_identifier(source_db)} (read_only)"
        )
        con.execute(
            f"attach {quote_literal(staged_db)} as serving (storage_version '{STORAGE_VERSION}')"
        )
        con.execute(f"create schema serving.{quote_identifier(schema)}")
        for table in tables:
            relation = f"{quote_identifier(schema)}.{quote_identifier(table)}"
            source = f"{quote_identifier(source_db)}.{relation}"
            target = f"serving.{relation}"
            con.execute(f"create table {target} as select * from {source}")
            _copy_comments(con, source_db, schema, table, target)
            parquet = snapshot / f"{table}.parquet"
            con.execute(f"copy {target} to {quote_literal(parquet)} (format parquet)")
            counts[table] = con.execute(f"select count(*) from {target}").fetchone()[0]
            files[table] = parquet
            log(f"copied {schema}.{table}: {counts[table]:,} rows ({len(counts)}/{len(tables)})")
        con.execute("checkpoint serving")
        con.execute("detach serving")
    return counts, files


def _copy_comments(
    con: duckdb.DuckDBPyConnection, source_db: str, schema: str, table: str, target: str
) -> None:
    """Carry the dbt descriptions (persisted as comments) over, so BI tools show them."""
    (table_comment,) = con.execute(
        "select comment from duckdb_tables() "
        "where database_name = ? and schema_name = ? and table_name = ?",
        [source_db, schema, table],
    ).fetchone() or (None,)
    if table_comment:
        con.execute(f"comment on table {target} is {quote_literal(table_comment)}")
    columns = con.execute(
        "select column_name, comment from duckdb_columns() where database_name = ? "
        "and schema_name = ? and table_name = ? and comment is not null",
        [source_db, schema, table],
    ).fetchall()
    for column, comment in columns:
        con.execute(
            f"comment on column {target}.{quote_identifier(column)} is {quote_literal(comment)}"
        )


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
