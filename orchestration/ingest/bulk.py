"""Append a batch's JSON-lines records straight to the raw log, every record checked as read.

The batch's lines are handed to DuckDB as one Arrow table over the files' bytes (memory
mapped; the byte scan already found where each line ends), so every line carries its file
and line number and DuckDB reads them in parallel. Three passes:

1. **Keys** (`create_line_keys`): each line's event_id found as text, without parsing the
   JSON: the value of the one `"event_id"` key of a line with no backslash escape that could
   spell the key otherwise (`\\u`). A line where that is not certain has no key. Blank
   lines are marked.
2. **Slow lines**: lines without a key, and lines whose key repeats in the batch (or equals
   an event_id of the batch's CSV and Parquet files) or is already in the log. Only they can
   be duplicates or conflicts; they are staged from their bytes and judged exactly, with
   the other staged records (`validation.classify_collisions`).
3. **Append** (`append_fast_lines`): every other line is parsed, cleaned, checked and, if
   it passes, appended to the raw table in one streaming statement: one read and one
   write, as bare `read_json`. Its event_id is its key, new to the log and once in the batch.
   The lines that failed a check are then found from the rows appended (`failed_lines`)
   and staged from their bytes to get their reason.

A staged record that passes with an event_id equal to a fast line's key (possible only for
a line without a key, e.g. a key spelled with an escape) makes that key's lines slow too
(`keys_to_slow_down`), so every record sharing an event_id is judged together.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import numpy as np
import pyarrow as pa

from orchestration.ingest.readers import STAGED, BatchFile, cleaned, json_type, staged_columns
from orchestration.ingest.validation import (
    BATCH_ROWS,
    CATALOG_INDEX,
    STORED_AS,
    catalog_index_sql,
    log_columns_sql,
    reason_sql,
)

LINES = "_batch_lines"
KEYS = "_line_keys"
_SLOW = "_slow_lines"
# Rows per Arrow record batch: DuckDB's threads take record batches in turn.
_CHUNK_ROWS = 122_880
# Whitespace a blank line may hold (what Python's bytes.strip removes).
_BLANK = r"[ \t\n\x0b\x0c\r]*"


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _file_lines(file: BatchFile, fast: np.ndarray | None) -> list[pa.RecordBatch]:
    """One file's lines as (file_index, line_number, line bytes with their newline, fast)."""
    scan = file.line_scan
    ends = scan.line_ends.astype(np.int64)
    count = len(ends)
    data = pa.memory_map(str(file.path)).read_buffer() if scan.size else pa.py_buffer(b"")
    offsets = np.concatenate([np.zeros(1, dtype=np.int64), ends + 1])
    offsets[-1] = min(int(offsets[-1]), scan.size)
    lines = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), count, [None, pa.py_buffer(offsets), data]
    )
    table = pa.table(
        {
            "file_index": pa.array(np.full(count, file.index, dtype=np.int32)),
            "line_number": pa.array(np.arange(1, count + 1, dtype=np.int64)),
            "line": lines,
            "fast": pa.array(np.ones(count, dtype=bool) if fast is None else fast),
        }
    )
    return table.to_batches(max_chunksize=_CHUNK_ROWS)


def register_lines(
    con: duckdb.DuckDBPyConnection,
    files: Sequence[BatchFile],
    slow: dict[int, list[int]] | None = None,
) -> None:
    """Register the files' lines as `_batch_lines`; `fast` is false on the given lines
    (by file index) and on blank lines, once they are known."""
    batches: list[pa.RecordBatch] = []
    for file in files:
        fast = None
        if slow is not None:
            fast = np.ones(file.line_scan.lines, dtype=bool)
            fast[np.asarray(slow.get(file.index, []), dtype=np.int64) - 1] = False
        batches += _file_lines(file, fast)
    schema = pa.schema(
        [("file_index", pa.int32()), ("line_number", pa.int64()), ("line", pa.large_binary()),
         ("fast", pa.bool_())]
    )  # fmt: skip
    con.register(LINES, pa.Table.from_batches(batches, schema=schema))


def create_line_keys(con: duckdb.DuckDBPyConnection) -> None:
    """`_line_keys(file_index, line_number, key, is_blank)`: each line's event_id as text
    where it is certain without parsing (else null), and whether the line is blank."""
    con.execute(
        rf"""
        create or replace temp table {KEYS} as
        with decoded as (
            select file_index, line_number, try(decode(line)) as text
            from {LINES}
        ),
        split as (
            select *, string_split(text, '"event_id"') as parts
            from decoded
        ),
        found as (
            select
                file_index,
                line_number,
                text,
                -- One "event_id" token, not escaped, no \u escape anywhere in the line, and
                -- a string value without escapes right after it.
                case
                    when len(parts) = 2 and not suffix(parts[1], '\')
                        and not contains(text, '\u')
                        then regexp_extract(parts[2], '^[ \t]*:[ \t]*"([^"\\]*)"', 1)
                end as value
            from split
        )
        select
            file_index,
            line_number,
            {cleaned("value")} as key,
            not prefix(text, '{{') and regexp_full_match(text, '{_BLANK}') as is_blank
        from found
        """
    )


def slow_lines(
    con: duckdb.DuckDBPyConnection, event_tables: list[str], forced_keys: list[str]
) -> dict[int, list[int]]:
    """The lines that must be staged and judged exactly, by file index: no key, a key that
    repeats in the batch or among the staged records, is in the log, or is forced."""
    logged = " union all ".join(
        f"select event_id from {t} where event_id in (select k.key from {KEYS} as k)"
        for t in event_tables
    )
    con.execute(
        f"""
        create or replace temp table {_SLOW} as
        with keys as (
            select key from {KEYS} where not coalesce(is_blank, false)
            union all
            select event_id from {STAGED}
        ),
        colliding as (
            select key from keys group by key having count(*) > 1
            union all
            {logged}
            union all
            select unnest(?::varchar[])
        )
        select k.file_index, k.line_number
        from {KEYS} as k
        where not coalesce(k.is_blank, false)
            and (k.key is null or k.key in (select c.key from colliding as c))
        """,
        [forced_keys],
    )
    found: dict[int, list[int]] = {}
    for file_index, line_number in con.execute(
        f"select file_index, line_number from {_SLOW} order by 1, 2"
    ).fetchall():
        found.setdefault(file_index, []).append(line_number)
    return found


def blank_lines(con: duckdb.DuckDBPyConnection) -> dict[int, list[int]]:
    """Blank lines by file index: not records."""
    found: dict[int, list[int]] = {}
    for file_index, line_number in con.execute(
        f"select file_index, line_number from {KEYS} where is_blank order by 1, 2"
    ).fetchall():
        found.setdefault(file_index, []).append(line_number)
    return found


def keys_to_slow_down(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Event_ids of staged records that pass but equal a fast line's key: a line whose key
    was not certain turned out to share it."""
    return [
        key
        for (key,) in con.execute(
            f"""
            with fast_keys as (
                select k.key
                from {KEYS} as k
                anti join {_SLOW} as s
                    on k.file_index = s.file_index and k.line_number = s.line_number
            )
            select distinct b.event_id
            from {BATCH_ROWS} as b
            semi join fast_keys as k on b.event_id = k.key
            """
        ).fetchall()
    ]


def append_fast_lines(
    con: duckdb.DuckDBPyConnection,
    table: str,
    fields: tuple[str, ...],
    cases: list[tuple[str, str, str]],
    file_paths: list[str],
    load_ids: list[str],
    loaded_at: str,
) -> int:
    """Parse, clean and check every fast line and append those that pass to `table`, in
    file order. Returns the rows appended."""
    struct = "{" + ", ".join(f'"{f}": "{json_type(f)}"' for f in fields) + "}"
    # The parser's `properties` is already normalised JSON (as `json()` would write it).
    staged = ", ".join(
        f"{'properties' if name == 'properties_json' else expression} as {name}"
        for name, _, expression in staged_columns(fields)
    )
    values = ", ".join(f"s.{STORED_AS.get(f, f)}" for f in fields)
    metadata = log_columns_sql("s", file_paths, load_ids, loaded_at)
    row = con.execute(
        f"""
        insert into {table}
        with parsed as (
            select file_index, line_number, try(json_transform(text, '{struct}')) as fields,
                prefix(text, '{{') as opens_object
            from (select file_index, line_number, try(decode(line)) as text from {LINES} where fast)
        ),
        read as (
            select
                file_index,
                line_number,
                -- A line that does not start an object is failed here and judged when staged.
                case when fields is null or not opens_object then 'malformed_record' end
                    as parse_error,
                {staged}
            from (
                select file_index, line_number, fields, opens_object,
                    {", ".join(f"fields.{f} as {f}" for f in fields)}
                from parsed
            )
        ),
        timed as (
            select *, properties_json as properties,
                {catalog_index_sql("event_type")} as {CATALOG_INDEX}
            from read
        )
        select {values}, {metadata}
        from timed as s
        where ({reason_sql(cases)}) is null
        """
    ).fetchone()
    return int(row[0]) if row else 0


def failed_lines(
    con: duckdb.DuckDBPyConnection, table: str, load_ids: list[str], loaded_at: str
) -> dict[int, list[int]]:
    """Fast lines that were not appended (they failed a check), by file index."""
    ids = "[" + ", ".join(_quote(i) for i in load_ids) + "]"
    found: dict[int, list[int]] = {}
    for file_index, line_number in con.execute(
        f"""
        select l.file_index, l.line_number
        from {LINES} as l
        anti join (
            select cast(list_position({ids}, _load_id) - 1 as integer) as file_index,
                _line_number
            from {table}
            -- The batch's rows: the time prunes every earlier load's row groups.
            where _loaded_at = cast({_quote(loaded_at)} as timestamp)
                and _load_id in (select unnest({ids}))
        ) as r on l.file_index = r.file_index and l.line_number = r._line_number
        where l.fast
        order by 1, 2
        """
    ).fetchall():
        found.setdefault(file_index, []).append(line_number)
    return found
