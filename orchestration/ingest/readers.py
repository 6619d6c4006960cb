"""Stage one landing file into a temporary table, one row per record, every field as text.

Every reader produces the same shape, `_staged(line_number, raw_record, parse_error,
<contract fields>)`, so validation is written once. DuckDB does the reading in bulk; a
record DuckDB cannot decode or split is kept, with its line number, as a parse error.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

STAGED = "_staged"
_REJECTS = "_rejects"
_REJECT_SCANS = "_reject_scans"

# DuckDB reject error types that mean the bytes are not UTF-8 text.
_ENCODING_ERRORS = ("INVALID ENCODING", "INVALID UNICODE")

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}


def _quote(value: str) -> str:
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
        from (select *, rowid + 1 as ordinal from {source}) as a
        """
    )


def _json_type(field: str) -> str:
    # properties stays JSON so a nested object is kept whole, as text.
    return "JSON" if field == "properties" else "VARCHAR"


def stage_jsonl(con: duckdb.DuckDBPyConnection, path: Path, fields: tuple[str, ...]) -> None:
    """Stage a JSON-lines file: read raw lines, then parse each as a JSON object."""
    _reset_rejects(con)
    con.execute(
        f"""
        create or replace temp table _accepted as
        select line from read_csv(
            {_quote(str(path))}, columns = {{'line': 'varchar'}}, header = false,
            delim = '\\x1f', quote = '', escape = '', auto_detect = false,
            new_line = '\\n', {_rejects_options()}
        )
        """
    )
    _numbered_lines(con, "_accepted", first_line=1)
    struct = "{" + ", ".join(f'"{f}": "{_json_type(f)}"' for f in fields) + "}"
    field_list = ", ".join(
        f"case when is_object then cast(fields.{f} as varchar) end as {f}" for f in fields
    )
    con.execute(
        f"""
        create or replace temp table {STAGED} as
        with lines as (
            select line_number, rtrim(line, chr(13)) as line
            from _accepted_numbered
            where nullif(trim(line), '') is not null
        ),
        parsed as (
            -- One parse per line: try() turns invalid JSON into null, and valid JSON that
            -- starts with a brace is an object (arrays and scalars are malformed records).
            select
                line_number,
                line,
                try(json_transform(line, '{struct}')) as fields,
                starts_with(ltrim(line), '{{') as opens_object
            from lines
        ),
        checked as (
            select
                *,
                coalesce(fields is not null and opens_object, false) as is_object
            from parsed
        )
        select
            line_number,
            line as raw_record,
            case when not is_object then 'malformed_record' end as parse_error,
            {field_list}
        from checked
        union all
        {_rejected_select(fields)}
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
            {_quote(str(path))}, header = true, all_varchar = true, delim = ',',
            quote = '"', escape = '"', {_rejects_options()}
        )
        """
    )
    _numbered_lines(con, "_accepted", first_line=2)
    present = {row[0] for row in con.execute("describe _accepted").fetchall()}
    columns = ", ".join(f if f in present else f"cast(null as varchar) as {f}" for f in fields)
    record = ", ".join(f"'{f}', {f}" for f in fields)
    con.execute(
        f"""
        create or replace temp table {STAGED} as
        with rows as (select line_number, {columns} from _accepted_numbered)
        select
            line_number,
            cast(json_object({record}) as varchar) as raw_record,
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


def stage_parquet(con: duckdb.DuckDBPyConnection, path: Path, fields: tuple[str, ...]) -> None:
    """Stage a Parquet file; absent optional columns are null, nested properties become JSON."""
    source = f"read_parquet({_quote(str(path))}, file_row_number = true)"
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

    record = ", ".join(f"'{f}', {f}" for f in fields)
    con.execute(
        f"""
        create or replace temp table {STAGED} as
        with rows as (
            select file_row_number + 1 as line_number, {", ".join(column(f) for f in fields)}
            from {source}
        )
        select
            line_number,
            cast(json_object({record}) as varchar) as raw_record,
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
    encoding = ", ".join(_quote(e) for e in _ENCODING_ERRORS)
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


STAGERS = {"jsonl": stage_jsonl, "csv": stage_csv, "parquet": stage_parquet}


def stage_file(
    con: duckdb.DuckDBPyConnection, path: Path, file_format: str, fields: tuple[str, ...]
) -> None:
    """Stage any supported file into `_staged`."""
    STAGERS[file_format](con, path, fields)
