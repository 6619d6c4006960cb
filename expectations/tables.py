"""Read the table a suite validates from DuckDB in bounded batches.

Only the columns the suite's expectations name are read, only the rows its `where`
keeps, and at most `batch_rows` rows are in memory at once. Uniqueness cannot be judged
one batch at a time, so DuckDB counts the copies of each value over the whole table first
and every batch carries that count (`<column>_copies`).

A suite on the raw event log (`loaded_at_column`) checks the rows loaded since the last
finished build, as the dbt tests of the log do (macros/written_this_run.sql): the
raw suites block the build, so those are the rows no passing run has checked, and a failed
run leaves them to be checked again. Copies are still counted over the whole log, and the
old rows sharing a value with a new row are checked with them. With no journey facts yet,
or `FUNNEL_GX_CHECK_ALL_LOADS` set, every row is checked.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
from great_expectations.expectations.row_conditions import Condition

from expectations.suites import SuiteSpec, copies_column, sql_list
from orchestration.builds_completed import last_finished_build
from orchestration.paths import duckdb_limits

VECTOR_ROWS = 2048  # DuckDB's vector size: chunks are fetched in whole vectors
BATCH_ROWS = 128 * VECTOR_ROWS  # 262,144 rows: 0.8 GB peak on the 9M-row raw stream
# DuckDB's own share of the checking process; the rest of the memory goes to the batches.
READER_MEMORY_LIMIT = "512MB"


def connect(database: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection with the pipeline's spill folder and a smaller memory cap."""
    config = {**duckdb_limits(database), "memory_limit": READER_MEMORY_LIMIT}
    con = duckdb.connect(str(database), read_only=True, config=config)
    con.execute("set enable_progress_bar = false")  # no bars in the Dagster logs
    return con


def _condition_columns(condition: object) -> set[str]:
    if isinstance(condition, Condition):
        column = getattr(condition, "column", None)
        nested = getattr(condition, "conditions", [])
        names = {column.name} if column is not None else set()
        return names.union(*(_condition_columns(c) for c in nested))
    return set()


def expectation_columns(spec: SuiteSpec) -> set[str]:
    """The columns a suite's expectations read (their own and their row conditions'), the
    id column, and the columns whose copies are counted."""
    names = {spec.id_column, *spec.copies_of}
    for expectation in spec.build():
        for field in ("column", "column_A", "column_B"):
            names.add(getattr(expectation, field, None) or "")
        names |= _condition_columns(expectation.row_condition)
    derived = {copies_column(c) for c in spec.copies_of}
    return names - derived - {""}


# The journey facts whose newest load marks what a passing build has seen (as
# int_event_loads_scoped reads them); both must exist, as for dbt. The record of the last
# finished build (orchestration.builds_completed), when there is one, takes precedence.
JOURNEY_FACTS = ("marts.fct_customer_journey", "marts.fct_journey_stage_entries")
CHECK_ALL_LOADS = "FUNNEL_GX_CHECK_ALL_LOADS"


def loads_scope(con: duckdb.DuckDBPyConnection, spec: SuiteSpec) -> str:
    """SQL predicate on the suite's rows loaded since the last finished build (as
    int_event_loads_scoped reads it: int_journey_builds_completed, else the journey facts);
    `true` for a suite not on the log, before the facts exist, or when every load is to be
    checked (`FUNNEL_GX_CHECK_ALL_LOADS`)."""
    if not spec.loaded_at_column or os.environ.get(CHECK_ALL_LOADS, "").lower() in ("1", "true"):
        return "true"
    tables = {
        f"{schema}.{name}"
        for schema, name in con.execute(
            "select schema_name, table_name from duckdb_tables()"
        ).fetchall()
    }
    if not tables.issuperset(JOURNEY_FACTS):
        return "true"
    last = last_finished_build(con)
    if last is not None:
        loaded_after = last.last_loaded_at
    else:
        sql = f"select max(loaded_at) from {JOURNEY_FACTS[0]}"
        (loaded_after,) = con.execute(sql).fetchone()  # type: ignore[misc]
    if loaded_after is None:
        return "true"
    # A literal, so DuckDB skips the row groups of the log loaded before it.
    return f"{spec.loaded_at_column} > cast('{loaded_after.isoformat()}' as timestamp)"


def rows_checked(spec: SuiteSpec, scope: str, duplicated: dict[str, dict]) -> str:
    """The rows in scope, and the rows sharing a duplicated value with them (every copy of
    a repeated value fails, as on the whole table)."""
    if scope == "true":
        return scope  # every row is checked already
    shared = [
        f"{column} in ({sql_list(values)})" for column, values in duplicated.items() if values
    ]
    return " or ".join([f"({scope})", *shared])


def suite_sql(con: duckdb.DuckDBPyConnection, spec: SuiteSpec, checked: str = "true") -> str:
    """The suite's table narrowed to the columns it reads and the rows it looks at (those
    `checked` keeps, of those its `where` keeps). A column the table lacks is left out, so
    its expectation errors in GX as on the whole table."""
    needed = expectation_columns(spec)
    columns = [c for c in con.sql(spec.sql).columns if c in needed]
    where = f" and ({spec.where})" if spec.where else ""
    return f"select {', '.join(columns)} from ({spec.sql}) as suite_table where ({checked}){where}"


def table_rows(con: duckdb.DuckDBPyConnection, spec: SuiteSpec, checked: str = "true") -> int:
    """Rows of the table the suite guards (before `where`): all, or those `checked` keeps."""
    (count,) = con.execute(  # type: ignore[misc]
        f"select count(*) from ({spec.sql}) as suite_table where {checked}"
    ).fetchone()
    return int(count)


def duplicated_values(
    con: duckdb.DuckDBPyConnection, spec: SuiteSpec, scope: str = "true"
) -> dict[str, dict]:
    """Per copies_of column, the values more than one row of the whole table holds, with
    counts: of the values rows in `scope` hold."""
    found: dict[str, dict] = {}
    present = con.sql(spec.sql).columns
    for column in (c for c in spec.copies_of if c in present):
        in_scope = (
            ""
            if scope == "true"
            else f"and {column} in (select {column} from ({spec.sql}) as new_rows where {scope})"
        )
        rows = con.execute(
            f"select {column}, count(*) from ({spec.sql}) as suite_table "
            f"where {column} is not null {in_scope} group by all having count(*) > 1"
        ).fetchall()
        found[column] = dict(rows)
    return found


def with_copies(frame: pd.DataFrame, spec: SuiteSpec, duplicated: dict[str, dict]) -> pd.DataFrame:
    """Add `<column>_copies` per copies_of column: the table's rows holding the row's value
    (1 unless duplicated; null where the value is null, which GX skips as it does for
    uniqueness). A column the table lacks gets none, so its expectation errors in GX."""
    for column in (c for c in spec.copies_of if c in frame and c in duplicated):
        values = frame[column]
        copies = values.map(duplicated[column]).fillna(1).astype("Int64")
        frame[copies_column(column)] = copies.where(values.notna(), pd.NA)
    return frame


def frame_duplicates(frame: pd.DataFrame, spec: SuiteSpec) -> dict[str, dict]:
    """duplicated_values for a DataFrame that holds the whole table."""
    counts = {c: frame[c].value_counts() for c in spec.copies_of if c in frame}
    return {column: c[c > 1].to_dict() for column, c in counts.items()}


def vectorised_types(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with the column types GX's pandas engine compares in one vectorised step:
    DuckDB returns timestamps in microseconds and counts as nullable Int64, for which GX
    calls Python once per value (`column_values.between`: the 9M-row raw stream took about
    two thirds of its validation in those calls). Timestamps become nanoseconds (a value out
    of that range keeps its type, compared value by value as before), nullable integers
    plain ones, or floats when a value is null (GX skips it either way)."""
    for column, dtype in frame.dtypes.items():
        if pd.api.types.is_datetime64_dtype(dtype) and dtype != "datetime64[ns]":
            try:
                frame[column] = frame[column].astype("datetime64[ns]")
            except (OverflowError, pd.errors.OutOfBoundsDatetime):
                continue
        elif isinstance(dtype, pd.Int64Dtype):
            values = frame[column]
            frame[column] = values.astype("float64" if values.isna().any() else "int64")
    return frame


def table_batches(
    con: duckdb.DuckDBPyConnection,
    spec: SuiteSpec,
    batch_rows: int = BATCH_ROWS,
    scope: str = "true",
) -> Iterator[pd.DataFrame]:
    """The suite's rows in table order (those `scope` keeps, and the rows sharing a
    duplicated value with them), `batch_rows` at a time, each batch indexed by the rows'
    positions in the whole result (so GX names failing rows as for one DataFrame)."""
    duplicated = duplicated_values(con, spec, scope)
    result = con.execute(suite_sql(con, spec, rows_checked(spec, scope, duplicated)))
    offset = 0
    while True:
        chunk = result.fetch_df_chunk(max(1, batch_rows // VECTOR_ROWS))
        if chunk.empty and offset:
            return
        for start in range(0, max(len(chunk), 1), batch_rows):  # an empty table: one batch
            batch = chunk.iloc[start : start + batch_rows].copy()
            batch.index = pd.RangeIndex(offset, offset + len(batch))
            offset += len(batch)
            yield vectorised_types(with_copies(batch, spec, duplicated))
        if chunk.empty:
            return
