"""Append a batch's JSON-lines files straight to the raw log, checked while they are read.

The fast path for JSON lines: ONE `read_json` with explicit columns over all the batch's
JSON-lines files is inserted into the stream's raw table, with insertion order preserved,
fields cleaned and typed and every record checked (`validation.reason_sql`) as it is read.
The batch is never materialized anywhere else.

- Line numbers come from row ids. DuckDB returns one row per non-blank line, in file order,
  and a row of nulls for a line it cannot read; so where a file's rows are as many as its
  lines and form one run of row ids, a row's line number is its offset in that run. Rows
  are appended with a placeholder line number and numbered by one update afterwards.
- A file whose counts differ (blank lines) is removed again and takes the line-by-line
  path (`readers.stage_jsonl_lines`).
- A record that fails a check is appended with a negative placeholder (`FAILED`, or
  `UNREAD` for a line the reader could not read) and removed again. Only those few lines
  are read again, from the bytes, and classified with their reason and detail.

All of this happens inside the batch's transaction, so none of it is ever visible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb

from orchestration.ingest.readers import BatchFile, json_type, staged_columns
from orchestration.ingest.validation import (
    CATALOG_INDEX,
    STORED_AS,
    catalog_index_sql,
    reason_sql,
)

PASSED = 0
FAILED = -1
UNREAD = -2
_BULK_FILES = "_bulk_files"


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def jsonl_columns(fields: tuple[str, ...]) -> str:
    """The contract's fields as `read_json`'s explicit `columns`."""
    return "{" + ", ".join(f"{_quote(f)}: {_quote(json_type(f))}" for f in fields) + "}"


@dataclass
class BulkAppend:
    """What the bulk append did: files it loaded (by batch index) with the rows read from
    each, and the lines that failed a check, as (file index, line number, unread)."""

    rows_read: dict[int, int] = field(default_factory=dict)
    failed_lines: list[tuple[int, int, bool]] = field(default_factory=list)


def _insert_sql(
    table: str,
    files: Sequence[BatchFile],
    fields: tuple[str, ...],
    paths: Sequence[str],
    load_ids: Sequence[str],
    cases: list[tuple[str, str, str]],
    loaded_at: str,
) -> str:
    sources = "[" + ", ".join(_quote(str(f.path)) for f in files) + "]"
    staged = ", ".join(f"{expression} as {name}" for name, _, expression in staged_columns(fields))
    values = ", ".join(f"s.{STORED_AS.get(f, f)}" for f in fields)

    def by_file(values: Sequence[str]) -> str:
        return "[" + ", ".join(_quote(v) for v in values) + "][cast(s.file_index as bigint) + 1]"

    # No join anywhere: the rows reach the table in the reader's order.
    return f"""
        insert into {table}
        with read as (
            select
                file_index,
                -- The reader's row for a line it could not read has every field null.
                {" and ".join(f"{f} is null" for f in fields)} as is_unread,
                {staged}
            from read_json(
                {sources}, format = 'newline_delimited', columns = {jsonl_columns(fields)},
                ignore_errors = true
            )
        ),
        timed as (
            select
                *,
                cast(null as varchar) as parse_error,
                properties_json as properties,
                {catalog_index_sql("event_type")} as {CATALOG_INDEX}
            from read
        )
        select
            {values},
            {by_file(paths)},
            case
                when ({reason_sql(cases)}) is null then {PASSED}
                when s.is_unread then {UNREAD}
                else {FAILED}
            end,
            {by_file(load_ids)},
            cast({_quote(loaded_at)} as timestamp)
        from timed as s
    """


def append_jsonl_bulk(
    con: duckdb.DuckDBPyConnection,
    table: str,
    files: Sequence[BatchFile],
    fields: tuple[str, ...],
    paths: Sequence[str],
    load_ids: Sequence[str],
    cases: list[tuple[str, str, str]],
    loaded_at: str,
) -> BulkAppend:
    """Append `files` (their relative `paths` and `load_ids`) to `table` in one read.

    Raises `duckdb.Error` if the reader gives up on the input (e.g. a line over its object
    size limit); the caller then rolls back and reads every file line by line.
    """
    con.execute("set preserve_insertion_order = true")
    con.execute(_insert_sql(table, files, fields, paths, load_ids, cases, loaded_at))
    mine = f"_load_id in ({', '.join(_quote(i) for i in load_ids)})"
    # Committed rows have line numbers >= 1, so their row groups are skipped by min/max.
    placed = f"{mine} and _line_number <= {PASSED}"
    runs = {
        load_id: (rows, first, last)
        for load_id, rows, first, last in con.execute(
            f"select _load_id, count(*), min(rowid), max(rowid) from {table} "
            f"where {placed} group by 1"
        ).fetchall()
    }
    result = BulkAppend()
    numbered: list[tuple[str, int, int]] = []
    for file, load_id in zip(files, load_ids, strict=True):
        rows, first, last = runs.get(load_id, (0, 0, -1))
        if rows == file.scan.lines and last - first + 1 == rows:
            result.rows_read[file.index] = rows
            numbered.append((load_id, file.index, first))
    unnumbered = [i for i in load_ids if i not in {n[0] for n in numbered}]
    if unnumbered:
        con.execute(
            f"delete from {table} where _line_number <= {PASSED} and _load_id in "
            f"({', '.join(_quote(i) for i in unnumbered)})"
        )
    if not numbered:
        return result
    con.execute(
        f"create or replace temp table {_BULK_FILES} as select unnest(?::varchar[]) as "
        "load_id, unnest(?::integer[]) as file_index, unnest(?::bigint[]) as first_rowid",
        [[n[0] for n in numbered], [n[1] for n in numbered], [n[2] for n in numbered]],
    )
    kept = f"_load_id in ({', '.join(_quote(n[0]) for n in numbered)})"
    result.failed_lines = [
        (file_index, line_number, code == UNREAD)
        for file_index, line_number, code in con.execute(
            f"""
            select f.file_index, t.rowid - f.first_rowid + 1, t._line_number
            from {table} as t
            inner join {_BULK_FILES} as f on t._load_id = f.load_id
            where t.{kept} and t._line_number < {PASSED}
            """
        ).fetchall()
    ]
    con.execute(f"delete from {table} where {kept} and _line_number < {PASSED}")
    con.execute(
        f"""
        update {table} as t
        set _line_number = t.rowid - f.first_rowid + 1
        from {_BULK_FILES} as f
        where t.{kept} and t._line_number = {PASSED} and t._load_id = f.load_id
        """
    )
    return result
