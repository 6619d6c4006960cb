"""Append a batch's JSON-lines files to the log in one pass, every record checked as read.

The fast path for JSON lines writes each record once, straight into the stream's raw
table, and settles the batch in a second transaction:

1. `append_unfinished`: ONE statement reads every JSON-lines file of the batch, cleans,
   types and checks each record (`validation.reason_sql`) and appends it to the raw table
   under its file's load id, with the load ids listed in `raw.unfinished_loads`. A record
   that failed a check is appended too, with its line number negated, so that it can be
   found and classified without reading the files again. Committed.
2. The loader judges duplicates and conflicts among the records that passed, then in one
   transaction `remove_unloadable` deletes the failed, duplicate and conflicting records
   (and every record of a file that fell back to the line-by-line path), writes quarantine
   and ledger, and takes the loads off `raw.unfinished_loads`.

Why two transactions: DuckDB writes a large append's blocks as it goes and keeps them at
commit, unless rows are deleted in the same transaction, when it appends the whole batch a
second time (10M events: 12 s more). Deleting committed rows costs a fraction of a second.
Until the second commit the loads are unfinished: dbt's staging models leave them out,
and the loader's next run removes them before it loads (`discard_unfinished_loads`), so a
load killed between the two is loaded again whole.

Line numbers: each file has its own `read_json`, numbered by `row_number() over ()`, which
numbers rows in the order the scan returns them. A numbered read runs on one thread and
returns one row per non-blank line in file order (a
row of nulls for a line it cannot read); the files of a batch are read in parallel. A file
whose rows are not as many as its lines (blank lines), or whose spot-checked lines do not
carry the event_id read at that number, takes the line-by-line path
(`readers.jsonl_file_lines`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb

from orchestration.ingest.readers import BatchFile, json_type, sql_literal, staged_columns
from orchestration.ingest.tables import UNFINISHED_TABLE
from orchestration.ingest.validation import (
    CATALOG_INDEX,
    COLLISION_VERDICTS,
    STORED_AS,
    catalog_index_sql,
    reason_sql,
    sql_list,
)

# read_json's largest record, which also sizes its read buffers (DuckDB's default is 16 MB).
# A longer record makes the reader give up, and the batch loads line by line.
MAX_RECORD_BYTES = 64 << 20
BULK_ROWS = "_bulk_rows"
_log = logging.getLogger(__name__)


def jsonl_columns(fields: tuple[str, ...]) -> str:
    """The contract's fields as `read_json`'s explicit `columns`."""
    return "{" + ", ".join(f"{sql_literal(f)}: {sql_literal(json_type(f))}" for f in fields) + "}"


@dataclass(frozen=True)
class BatchLoads:
    """Where a batch's records go: the stream's raw table, and per file (by batch index)
    its path and load id, all under one load time."""

    table: str
    stream: str
    file_paths: list[str]
    load_ids: list[str]
    loaded_at: str

    def of_batch(self, files: Sequence[int] | None = None) -> str:
        """SQL: the row is one of this batch's (or of its `files`, by batch index); the load
        time prunes the older row groups."""
        chosen = self.load_ids if files is None else [self.load_ids[i] for i in files]
        return (
            f"_loaded_at = cast({sql_literal(self.loaded_at)} as timestamp) "
            f"and list_contains(cast({sql_list(chosen)} as varchar[]), _load_id)"
        )

    def file_index(self, load_id: str) -> str:
        """SQL: the batch index of the file of load id `load_id`."""
        return f"list_position({sql_list(self.load_ids)}, {load_id}) - 1"


@dataclass
class BulkRead:
    """What the bulk read appended: the files (by batch index) it numbered, with the rows
    read from each; the lines that failed a check, as (file index, line number, unread);
    and the files whose appended rows must go because they take the line-by-line path."""

    rows_read: dict[int, int] = field(default_factory=dict)
    failed_lines: list[tuple[int, int, bool]] = field(default_factory=list)
    fallen_back: list[int] = field(default_factory=list)


def _numbered_read(file: BatchFile, fields: tuple[str, ...]) -> str:
    return f"""
        select
            {file.index} as file_index,
            row_number() over () as line_number,
            *
        from read_json(
            {sql_literal(str(file.path))}, format = 'newline_delimited',
            columns = {jsonl_columns(fields)}, ignore_errors = true,
            maximum_object_size = {MAX_RECORD_BYTES}
        )
    """


def _append_sql(
    files: Sequence[BatchFile],
    fields: tuple[str, ...],
    cases: list[tuple[str, str, str]],
    loads: BatchLoads,
) -> str:
    reads = "\n        union all\n".join(_numbered_read(file, fields) for file in files)
    # The reader has already parsed `properties` (typed JSON) and written it back as
    # normalised JSON text, so it is not parsed and written a second time.
    staged = ", ".join(
        f"{'properties' if name == STORED_AS['properties'] else expression} as {name}"
        for name, _, expression in staged_columns(fields)
    )
    values = ", ".join(f"s.{STORED_AS.get(f, f)}" for f in fields)

    return f"""
        insert into {loads.table}
            ({", ".join(fields)}, _file_path, _line_number, _load_id, _loaded_at)
        with read as (
            select
                file_index,
                line_number,
                -- The reader's row for a line it could not read has every field null.
                {" and ".join(f"{f} is null" for f in fields)} as is_unread,
                {staged}
            from ({reads})
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
            case when s.is_unread then '' else {by_index(loads.file_paths, "s.file_index")} end,
            -- A record that failed a check keeps its line negated until it is removed,
            -- and no path if the reader could not read its line at all.
            case when ({reason_sql(cases)}) is null then s.line_number
                else -s.line_number end,
            {by_index(loads.load_ids, "s.file_index")},
            cast({sql_literal(loads.loaded_at)} as timestamp)
        from timed as s
    """


def append_unfinished(
    con: duckdb.DuckDBPyConnection,
    files: Sequence[BatchFile],
    fields: tuple[str, ...],
    cases: list[tuple[str, str, str]],
    loads: BatchLoads,
) -> BulkRead:
    """Append every record of `files` to the raw table as unfinished loads, and commit; the
    records that passed every check are the view `_bulk_rows(file_index, line_number,
    <fields as stored>)`.

    If the reader gives up on the input (e.g. a line over its object size limit), nothing
    is appended and every file takes the line-by-line path.
    """
    result = BulkRead()
    if files:
        con.execute("set preserve_insertion_order = false")
        con.execute("begin transaction")
        try:
            con.execute(_append_sql(files, fields, cases, loads))
            con.executemany(
                f"insert into {UNFINISHED_TABLE} values (?, ?, ?, ?)",
                [
                    [loads.load_ids[f.index], loads.stream, loads.file_paths[f.index],
                     loads.loaded_at]
                    for f in files
                ],
            )  # fmt: skip
            con.execute("commit")
        except duckdb.Error as error:
            con.execute("rollback")
            _log.warning(
                "bulk read of %d file(s) failed, reading them line by line: %s", len(files), error
            )
            files = []  # every file takes the line-by-line path
    counts = dict(
        con.execute(
            f"""
            select {loads.file_index("_load_id")}, count(*)
            from {loads.table}
            where {loads.of_batch()}
            group by 1
            """
        ).fetchall()
    )
    numbered = []
    for file in files:
        # row_number() numbers 1 to rows; as many rows as lines means no blank line.
        if counts.get(file.index, 0) == file.scan.lines:
            numbered.append(file)
        else:
            result.fallen_back.append(file.index)
    for file in _misnumbered(con, numbered, fields, loads):
        numbered.remove(file)
        result.fallen_back.append(file.index)
    result.rows_read = {file.index: file.scan.lines for file in numbered}
    rows = f"""
        select {loads.file_index("_load_id")} as file_index, _line_number as line_number,
            _file_path, {", ".join(fields)}
        from {loads.table}
        where {loads.of_batch([file.index for file in numbered])}
    """
    result.failed_lines = [
        (file_index, -line_number, unread)
        for file_index, line_number, unread in con.execute(
            f"""
            select file_index, line_number, _file_path = ''
            from ({rows} and _line_number < 0)
            """
        ).fetchall()
    ]
    con.execute(
        f"create or replace temp view {BULK_ROWS} as select * exclude (_file_path) "
        f"from ({rows} and _line_number > 0)"
    )
    return result


def _spot_lines(lines: int) -> list[int]:
    return sorted({1, (lines + 1) // 2, lines}) if lines else []


def _misnumbered(
    con: duckdb.DuckDBPyConnection,
    files: Sequence[BatchFile],
    fields: tuple[str, ...],
    loads: BatchLoads,
) -> list[BatchFile]:
    """The files whose first, middle or last line, parsed from its bytes, names another
    event_id than the row numbered so: a guard on the line numbering, a few lines a file."""
    if not files or "event_id" not in fields:
        return []
    stored = {
        (file_index, line): event_id
        for file_index, line, event_id in con.execute(
            f"""
            select {loads.file_index("_load_id")}, abs(_line_number), event_id
            from {loads.table}
            where {loads.of_batch()} and abs(_line_number) in (
                select unnest(?::bigint[]))
            """,
            [sorted({n for f in files for n in _spot_lines(f.scan.lines)})],
        ).fetchall()
    }
    wrong = []
    for file in files:
        for number, raw in file.scan.raw_lines(_spot_lines(file.scan.lines)).items():
            expected = _event_id(raw)
            if expected is not None and stored.get((file.index, number)) != expected:
                wrong.append(file)
                break
    return wrong


def _event_id(raw: bytes) -> str | None:
    """The line's event_id as the log stores it, if it is plain text that needs no cleaning."""
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    event_id = value.get("event_id") if isinstance(value, dict) else None
    if isinstance(event_id, str) and event_id and event_id == event_id.strip():
        return event_id
    return None


def remove_unloadable(con: duckdb.DuckDBPyConnection, loads: BatchLoads, bulk: BulkRead) -> None:
    """Delete the batch's appended rows that must not stay in the log: those that failed a
    check, the duplicates and conflicts among the rest (`_collision_verdicts`), and every
    row of a file that fell back to the line-by-line path. Runs inside the transaction that
    finishes the loads."""
    fallen_back = ", ".join(sql_literal(loads.load_ids[i]) for i in bulk.fallen_back) or "null"
    con.execute(
        f"""
        delete from {loads.table}
        where {loads.of_batch()}
            and (
                _line_number < 0
                or _load_id in ({fallen_back})
                or (_load_id, _line_number) in (
                    select {by_index(loads.load_ids, "v.file_index")}, v.line_number
                    from {COLLISION_VERDICTS} as v
                )
            )
        """
    )
    con.execute(
        f"delete from {UNFINISHED_TABLE} where load_id in (select unnest(?::varchar[]))",
        [loads.load_ids],
    )


def by_index(values: list[str], index: str) -> str:
    """SQL: the value at the 0-based `index` of a list of text values."""
    return f"{sql_list(values)}[{index} + 1]"
