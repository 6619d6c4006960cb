"""Stage landing records line by line, one row per record, cleaned and typed for the checks.

Every reader produces the same shape, `_staged(file_index, line_number, raw_record,
parse_error, <staged_columns>)`, so validation is written once. DuckDB does the reading
in bulk; a record DuckDB cannot decode or split is kept, with its line number, as a
parse error.

JSON-lines files are normally appended straight to the raw log (`bulk`); what is staged
here is CSV and Parquet files, JSON-lines files the bulk path cannot number (blank lines),
and the few bulk-read lines that failed a check, read again from their bytes. The raw text
of a record is read back only if the record is quarantined (`raw_records`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.ingest.scan import FileScan, decode_line, line_parse_error

STAGED = "_staged"
RAW_RECORDS = "_raw_records"
_FILE_STAGED = "_file_staged"
_REJECTS = "_rejects"
_REJECT_SCANS = "_reject_scans"

# DuckDB reject error types that mean the bytes are not UTF-8 text.
_ENCODING_ERRORS = ("INVALID ENCODING", "INVALID UNICODE")

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}


def sql_literal(value: str) -> str:
    """The text as a SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def _reset_rejects(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"drop table if exists {_REJECTS}")
    con.execute(f"drop table if exists {_REJECT_SCANS}")


def _rejects_options() -> str:
    return (
        f"store_rejects = true, rejects_table = '{_REJECTS}', "
        f"rejects_scan = '{_REJECT_SCANS}', strict_mode = false"
    )


def _numbered_lines(con: duckdb.DuckDBPyConnection, source: str, first_line: int) -> None:
    """Number the accepted rows of `_accepted` with their line in the file.

    DuckDB returns accepted rows in file order (insertion order is preserved) and the
    rejected ones, with their line numbers, in the rejects table. An accepted row's line
    is its ordinal plus the number of rejected lines before it.
    """
    rejected = con.execute(f"select count(distinct line) from {_REJECTS}").fetchone()
    con.execute(
        f"""
        create or replace temp table _rejected_lines as
        select line, min(error_type) as error_type, min(csv_line) as csv_line
        from {_REJECTS}
        group by line
        """
    )
    if rejected and rejected[0]:
        # The j-th rejected line r_j has r_j - j - (first_line - 1) accepted rows before it.
        shift = f"""(
            select count(*) from (
                select line - {first_line - 1} - row_number() over (order by line)
                    as accepted_before
                from _rejected_lines
            ) as r
            where r.accepted_before < a.ordinal
        )"""
    else:
        shift = "0"
    con.execute(
        f"""
        create or replace temp table _accepted_numbered as
        select a.*, a.ordinal + {first_line - 1} + {shift} as line_number
        -- Row ids count from the first row (inside a transaction they start high).
        from (
            select *, rowid - min(rowid) over () + 1 as ordinal from {source}
        ) as a
        """
    )


def json_type(field: str) -> str:
    # properties stays JSON so a nested object is kept whole, as text.
    return "JSON" if field == "properties" else "VARCHAR"


# Staged columns that carry a value typed as the raw tables store it, beside the text.
# occurred_at in UTC is the instant's microseconds since the epoch read as a timestamp:
# what timezone('UTC', ...) gives, without a time-zone conversion per row. (The two differ
# only for 'infinity', which no ISO-8601 check lets through.)
_TYPED_VALUES = {
    "occurred_at": (
        "occurred_at_utc",
        "timestamp",
        "make_timestamp(epoch_us(try_cast({text} as timestamptz)))",
    ),
    "amount": ("amount_decimal", "decimal(18, 2)", "try_cast({text} as decimal(18, 2))"),
}


def _cleaned(field: str) -> str:
    """Trimmed text, empty text as null. `trim` decodes every character of every value, so
    it runs only where it can change something: a value of pure ASCII (as many bytes as
    characters) without a space is already trimmed. (One search for a space anywhere costs
    less than testing both ends; ids, types and emails have none.)"""
    return (
        f"case when contains({field}, ' ') or strlen({field}) <> length({field}) "
        f"then nullif(trim({field}), '') else nullif({field}, '') end"
    )


def staged_columns(fields: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(name, type, expression over the read text) of each cleaned or typed staged column.

    Text fields are trimmed, empty text is null; `properties` is kept as normalised JSON
    (`properties_json`, null if it is not JSON); `occurred_at` and `amount` keep their text
    (for the checks and their details) and add `occurred_at_utc` and `amount_decimal`.
    Computed once, while the batch is read, for the checks and the append alike.
    """
    columns = []
    for field in fields:
        if field == "properties":
            columns.append(("properties_json", "json", "try(json(properties))"))
        else:
            columns.append((field, "varchar", f"{_cleaned(field)}"))
    for field, (name, kind, expression) in _TYPED_VALUES.items():
        columns.append((name, kind, expression.format(text=_cleaned(field))))
    return columns


def _staged_select(fields: tuple[str, ...]) -> str:
    return ", ".join(f"{expression} as {name}" for name, _, expression in staged_columns(fields))


# A JSON line to stage: (file index, line number, text, read error, parse).
JsonLine = tuple[int, int, str, str | None, bool]


def jsonl_file_lines(file_index: int, path: Path, scan: FileScan) -> list[JsonLine]:
    """Every record line of a JSON-lines file, numbered from its bytes.

    The path for files the bulk reader cannot map onto lines (blank lines): every line
    ending counted once, LF or CRLF; blank lines are not records; a line that is not UTF-8
    is kept (undecodable bytes as `?`) with its parse error.
    """
    lines: list[JsonLine] = []
    data = path.read_bytes()
    start = 0
    for number, end in enumerate(scan.line_ends.tolist(), start=1):
        raw = data[start:end].rstrip(b"\r")
        start = end + 1
        if not raw.strip():
            continue
        lines.append(_line_to_parse(file_index, number, raw))
    return lines


def failed_lines(
    file_index: int,
    scan: FileScan,
    failed: Sequence[tuple[int, bool]],
    fields: tuple[str, ...],
) -> list[JsonLine]:
    """The given lines of a bulk-read file, read again from its bytes as the bulk reader saw
    them: (line number, unread) pairs, where an unread line is one the reader returned as
    all nulls. Its parse error is worked out from the bytes (`line_parse_error`) and its
    fields stay null; any other line is parsed into the contract's fields."""
    unread = dict(failed)
    lines: list[JsonLine] = []
    for number, raw in scan.raw_lines(unread).items():
        if unread[number]:
            error = line_parse_error(raw, fields)
            lines.append((file_index, number, decode_line(raw), error, False))
        else:
            lines.append(_line_to_parse(file_index, number, raw))
    return lines


def _line_to_parse(file_index: int, number: int, raw: bytes) -> JsonLine:
    """A line to parse as JSON: its text, or if it is not UTF-8 its text with `?` for the
    undecodable bytes and the parse error `invalid_encoding`."""
    try:
        return (file_index, number, raw.decode("utf-8"), None, True)
    except UnicodeDecodeError:
        return (file_index, number, decode_line(raw), "invalid_encoding", True)


def stage_json_lines(
    con: duckdb.DuckDBPyConnection, lines: Sequence[JsonLine], fields: tuple[str, ...]
) -> None:
    """Append JSON lines, of any files, to `_staged` in one statement; a line is parsed only
    if `parse` and it has no read error."""
    columns = [list(column) for column in zip(*lines, strict=True)] if lines else [[]] * 5
    con.execute(
        "create or replace temp table _lines as select unnest(?::integer[]) as file_index, "
        "unnest(?::bigint[]) as line_number, unnest(?::varchar[]) as line, "
        "unnest(?::varchar[]) as read_error, unnest(?::boolean[]) as parse",
        columns,
    )
    struct = "{" + ", ".join(f'"{f}": "{json_type(f)}"' for f in fields) + "}"
    field_list = ", ".join(
        f"case when is_object then cast(fields.{f} as varchar) end as {f}" for f in fields
    )
    con.execute(
        f"""
        insert into {STAGED}
        with parsed as (
            -- One parse per line: try() turns invalid JSON into null, and valid JSON that
            -- starts with a brace is an object (arrays and scalars are malformed records).
            select
                file_index,
                line_number,
                line,
                read_error,
                parse,
                case when parse and read_error is null
                    then try(json_transform(line, '{struct}')) end as fields,
                starts_with(ltrim(line), '{{') as opens_object
            from _lines
        ),
        checked as (
            select
                *,
                coalesce(fields is not null and opens_object, false) as is_object
            from parsed
        ),
        texts as (
            select
                file_index,
                line_number,
                line as raw_record,
                coalesce(
                    read_error, case when parse and not is_object then 'malformed_record' end
                ) as parse_error,
                {field_list}
            from checked
        )
        select file_index, line_number, raw_record, parse_error, {_staged_select(fields)}
        from texts
        """
    )


def stage_csv(con: duckdb.DuckDBPyConnection, path: Path, fields: tuple[str, ...]) -> None:
    """Stage a CSV file with a header row naming its columns; `properties` is a JSON string.

    Optional contract columns may be left out of the file; they are null.
    """
    _reset_rejects(con)
    con.execute(
        f"""
        create or replace temp table _accepted as
        select * from read_csv(
            {sql_literal(str(path))}, header = true, all_varchar = true, delim = ',',
            quote = '"', escape = '"', {_rejects_options()}
        )
        """
    )
    _numbered_lines(con, "_accepted", first_line=2)
    present = {row[0] for row in con.execute("describe _accepted").fetchall()}
    columns = ", ".join(f if f in present else f"cast(null as varchar) as {f}" for f in fields)
    con.execute(
        f"""
        create or replace temp view {_FILE_STAGED} as
        with rows as (select line_number, {columns} from _accepted_numbered)
        select
            line_number,
            {_record_json(fields)} as raw_record,
            case
                when properties is not null
                    and not coalesce(try(json_type(properties)) = 'OBJECT', false)
                    then 'malformed_record'
            end as parse_error,
            {", ".join(fields)}
        from rows
        union all
        {_rejected_select(fields)}
        """
    )


def _parquet_rows(con: duckdb.DuckDBPyConnection, path: Path, fields: tuple[str, ...]) -> str:
    """A Parquet file's rows as text fields with their row number; absent optional columns
    are null, nested properties become JSON."""
    source = f"read_parquet({sql_literal(str(path))}, file_row_number = true)"
    present = dict(
        (row[0], row[1]) for row in con.execute(f"describe select * from {source}").fetchall()
    )

    def column(field: str) -> str:
        if field not in present:
            return f"cast(null as varchar) as {field}"
        if field == "properties" and present[field] != "VARCHAR":
            # A nested struct or map: keep it whole as JSON text.
            return "cast(to_json(properties) as varchar) as properties"
        return f"cast({field} as varchar) as {field}"

    return (
        f"select file_row_number + 1 as line_number, {', '.join(column(f) for f in fields)} "
        f"from {source}"
    )


def _record_json(fields: tuple[str, ...]) -> str:
    record = ", ".join(f"'{f}', {f}" for f in fields)
    return f"cast(json_object({record}) as varchar)"


def stage_parquet(con: duckdb.DuckDBPyConnection, path: Path, fields: tuple[str, ...]) -> None:
    """Stage a Parquet file. A row's raw record (its fields as a JSON object) is built only
    if the row is quarantined (`raw_records`)."""
    con.execute(
        f"""
        create or replace temp view {_FILE_STAGED} as
        with rows as ({_parquet_rows(con, path, fields)})
        select
            line_number,
            cast(null as varchar) as raw_record,
            case
                when properties is not null
                    and not coalesce(try(json_type(properties)) = 'OBJECT', false)
                    then 'malformed_record'
            end as parse_error,
            {", ".join(fields)}
        from rows
        """
    )


def _rejected_select(fields: tuple[str, ...]) -> str:
    """Rows DuckDB could not read, with the reason and the raw line as far as it is known."""
    encoding = ", ".join(sql_literal(e) for e in _ENCODING_ERRORS)
    nulls = ", ".join(f"cast(null as varchar) as {f}" for f in fields)
    return f"""
        select
            line as line_number,
            csv_line as raw_record,
            case
                when error_type in ({encoding}) then 'invalid_encoding'
                else 'malformed_record'
            end as parse_error,
            {nulls}
        from _rejected_lines
    """


STAGERS = {"csv": stage_csv, "parquet": stage_parquet}


def stage_file(
    con: duckdb.DuckDBPyConnection, path: Path, file_format: str, fields: tuple[str, ...]
) -> None:
    """Stage one CSV or Parquet file as the `_file_staged` view (read when it is copied)."""
    STAGERS[file_format](con, path, fields)


@dataclass(frozen=True)
class BatchFile:
    """One landing file of a batch: its position in the batch, format and byte scan.

    The scan runs in the background while DuckDB reads; `scan` waits for it.
    """

    index: int
    path: Path
    file_format: str
    pending_scan: Future[FileScan]

    @property
    def scan(self) -> FileScan:
        return self.pending_scan.result()


def _create_line_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    rows: Sequence[tuple],
    columns: Sequence[tuple[str, str]],
) -> None:
    """A temp table keyed by (file_index, line_number) from Python tuples, in one statement."""
    keyed = [("file_index", "integer"), ("line_number", "bigint"), *columns]
    selects = ", ".join(f"unnest(?::{kind}[]) as {name}" for name, kind in keyed)
    values = [list(column) for column in zip(*rows, strict=True)] if rows else [[]] * len(keyed)
    con.execute(f"create or replace temp table {table} as select {selects}", values)


def create_staged(con: duckdb.DuckDBPyConnection, fields: tuple[str, ...]) -> None:
    """An empty `_staged` table, filled by `stage_whole_file` and `stage_json_lines`."""
    typed = ", ".join(f"{name} {kind}" for name, kind, _ in staged_columns(fields))
    con.execute(
        f"create or replace temp table {STAGED} (file_index integer, "
        f"line_number bigint, raw_record varchar, parse_error varchar, {typed})"
    )


def stage_whole_file(
    con: duckdb.DuckDBPyConnection, file: BatchFile, fields: tuple[str, ...]
) -> None:
    """Stage every record of one file into `_staged`."""
    if file.file_format == "jsonl":
        stage_json_lines(con, jsonl_file_lines(file.index, file.path, file.scan), fields)
        return
    stage_file(con, file.path, file.file_format, fields)
    # The `_file_staged` view, cleaned and typed, as file `file.index`.
    con.execute(
        f"insert into {STAGED} select {file.index}, line_number, raw_record, "
        f"parse_error, {_staged_select(fields)} from {_FILE_STAGED}"
    )


def _parquet_records(
    con: duckdb.DuckDBPyConnection, file: BatchFile, numbers: list[int], fields: tuple[str, ...]
) -> list[tuple[int, int, str]]:
    return [
        (file.index, number, record)
        for number, record in con.execute(
            f"select line_number, {_record_json(fields)} "
            f"from ({_parquet_rows(con, file.path, fields)}) "
            "where line_number in (select unnest(?::bigint[]))",
            [numbers],
        ).fetchall()
    ]


def raw_records(
    con: duckdb.DuckDBPyConnection,
    files: Sequence[BatchFile],
    missing: Sequence[tuple[int, int]],
    fields: tuple[str, ...],
) -> None:
    """Build `_raw_records(file_index, line_number, raw_record)` for the given lines: the
    line's text, or for a Parquet row its fields as a JSON object."""
    wanted: dict[int, list[int]] = defaultdict(list)
    for file_index, line_number in missing:
        wanted[file_index].append(line_number)
    rows: list[tuple[int, int, str]] = []
    for file in files:
        if file.index not in wanted:
            continue
        if file.file_format == "parquet":
            rows += _parquet_records(con, file, wanted[file.index], fields)
        else:
            rows += [
                (file.index, number, decode_line(raw))
                for number, raw in file.scan.raw_lines(wanted[file.index]).items()
            ]
    _create_line_table(con, RAW_RECORDS, rows, [("raw_record", "varchar")])
