"""Read a batch's JSON-lines files in one pass, every record checked while it is read.

The fast path for JSON lines: ONE `read_json` with explicit columns over all the batch's
JSON-lines files, fields cleaned and typed and every record checked
(`validation.reason_sql`) as it is read, into `_bulk`: the record's values as the raw
table stores them and its check result, nothing else.

- Line numbers come from row ids. DuckDB returns one row per non-blank line, in file order
  (insertion order is preserved, and no join reorders the rows), and a row of nulls for a
  line it cannot read; so where a file's rows are as many as its lines and form one run of
  row ids, a row's line number is its offset in that run (`_bulk_rows`).
- A file whose counts differ (blank lines) takes the line-by-line path
  (`readers.jsonl_file_lines`).
- A record that fails a check is marked (`FAILED`, or `UNREAD` for a line the reader could
  not read); only those few lines are read again, from the bytes, and classified with
  their reason and detail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb

from orchestration.ingest.readers import BatchFile, json_type, sql_literal, staged_columns
from orchestration.ingest.tables import TYPED_COLUMNS
from orchestration.ingest.validation import (
    CATALOG_INDEX,
    STORED_AS,
    catalog_index_sql,
    reason_sql,
)

# read_json's largest record, which also sizes its read buffers (DuckDB's default is 16 MB).
# The reader hands out its rows one buffer at a time, and keeping them in order copies the
# rows of a buffer smaller than a row group once more: larger buffers save that copy (10M
# history: about 1.5 CPU seconds, 100 MB more peak memory). A longer record makes the
# reader give up, and the batch loads line by line.
MAX_RECORD_BYTES = 64 << 20
PASSED = 0
FAILED = -1
UNREAD = -2
BULK_ROWS = "_bulk_rows"
_BULK = "_bulk"


def jsonl_columns(fields: tuple[str, ...]) -> str:
    """The contract's fields as `read_json`'s explicit `columns`."""
    return "{" + ", ".join(f"{sql_literal(f)}: {sql_literal(json_type(f))}" for f in fields) + "}"


@dataclass
class BulkRead:
    """What the bulk read took: files (by batch index) with the rows read from each, and the
    lines that failed a check, as (file index, line number, unread)."""

    rows_read: dict[int, int] = field(default_factory=dict)
    failed_lines: list[tuple[int, int, bool]] = field(default_factory=list)


def _read_sql(
    files: Sequence[BatchFile], fields: tuple[str, ...], cases: list[tuple[str, str, str]]
) -> str:
    sources = "[" + ", ".join(sql_literal(str(f.path)) for f in files) + "]"
    # The reader has already parsed `properties` (typed JSON) and written it back as
    # normalised JSON text, so it is not parsed and written a second time.
    staged = ", ".join(
        f"{'properties' if name == STORED_AS['properties'] else expression} as {name}"
        for name, _, expression in staged_columns(fields)
    )
    values = ", ".join(f"s.{STORED_AS.get(f, f)} as {f}" for f in fields)
    return f"""
        create or replace temp table {_BULK} as
        with read as (
            select
                file_index,
                -- The reader's row for a line it could not read has every field null.
                {" and ".join(f"{f} is null" for f in fields)} as is_unread,
                {staged}
            from read_json(
                {sources}, format = 'newline_delimited', columns = {jsonl_columns(fields)},
                ignore_errors = true, maximum_object_size = {MAX_RECORD_BYTES}
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
            s.file_index,
            case
                when ({reason_sql(cases)}) is null then {PASSED}
                when s.is_unread then {UNREAD}
                else {FAILED}
            end as outcome,
            {values}
        from timed as s
    """


def read_jsonl_bulk(
    con: duckdb.DuckDBPyConnection,
    files: Sequence[BatchFile],
    fields: tuple[str, ...],
    cases: list[tuple[str, str, str]],
) -> BulkRead:
    """Read `files` at once into `_bulk`; the records that pass every check are the view
    `_bulk_rows(file_index, line_number, row_key, <fields as stored>)`, where `row_key` is
    its row id in `_bulk`.

    If the reader gives up on the input (e.g. a line over its object size limit), nothing
    is read this way and every file takes the line-by-line path.
    """
    con.execute("set preserve_insertion_order = true")
    runs: dict[int, tuple[int, int, int]] = {}
    try:
        if files:
            con.execute(_read_sql(files, fields, cases))
            runs = {
                read_index: (rows, first, last)
                for read_index, rows, first, last in con.execute(
                    f"select file_index, count(*), min(rowid), max(rowid) from {_BULK} group by 1"
                ).fetchall()
            }
    except duckdb.Error:
        pass  # every file takes the line-by-line path
    result = BulkRead()
    numbered: list[tuple[int, int, int]] = []
    for read_index, file in enumerate(files):
        rows, first, last = runs.get(read_index, (0, 0, -1))
        if rows == file.scan.lines and last - first + 1 == rows:
            result.rows_read[file.index] = rows
            numbered.append((read_index, file.index, first))
    if not numbered:
        con.execute(
            f"create or replace temp view {BULK_ROWS} as select cast(null as integer) as "
            f"file_index, cast(null as bigint) as line_number, cast(null as bigint) as "
            f"row_key, * from ("
            f"select {', '.join(_typed_nulls(fields))}) limit 0"
        )
        return result
    # Per file of the read (the reader's file_index), its index in the batch and its first
    # row id, null where the file is not numbered: list lookups, so no join is needed.
    batch_index = {n[0]: n[1] for n in numbered}
    first_rowid = {n[0]: n[2] for n in numbered}

    def by_read(values: dict[int, int], kind: str) -> str:
        listed = ", ".join(str(values.get(i, "null")) for i in range(len(files)))
        return f"cast([{listed}] as {kind}[])[cast(b.file_index as bigint) + 1]"

    numbered_rows = f"""
        select
            {by_read(batch_index, "integer")} as file_index,
            b.rowid - {by_read(first_rowid, "bigint")} + 1 as line_number,
            b.rowid as row_key,
            b.* exclude (file_index)
        from {_BULK} as b
    """
    result.failed_lines = [
        (file_index, line_number, outcome == UNREAD)
        for file_index, line_number, outcome in con.execute(
            f"select file_index, line_number, outcome from ({numbered_rows}) "
            f"where outcome < {PASSED} and file_index is not null"
        ).fetchall()
    ]
    con.execute(
        f"""
        create or replace temp view {BULK_ROWS} as
        select file_index, line_number, row_key, {", ".join(fields)}
        from ({numbered_rows})
        where outcome = {PASSED} and file_index is not null
        """
    )
    return result


def _typed_nulls(fields: tuple[str, ...]) -> list[str]:
    return [f"cast(null as {TYPED_COLUMNS.get(f, 'varchar')}) as {f}" for f in fields]
