"""Write rendered records as landing files: DIR/<stream>/<YYYY-MM>/events.<ext>.

Rows keep table order inside each file, so valid events come first (by time) and every bad
record, duplicate and conflict comes after the original it copies. A bad record may carry a
raw line (`_raw`) that is written as is instead of the rendered one.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as csv
import pyarrow.parquet as pq

from orchestration.sample_data.render import FIELDS

FORMATS = ("jsonl", "csv", "parquet")
GROUND_TRUTH_FILE = "_ground_truth.json"


def _json_member(field: str) -> str:
    if field == "amount":  # numbers stay numbers; text amounts (bad records) stay strings
        value = "case when _amount_is_number then amount else to_json(amount) end"
    else:
        value = f"to_json({field})"
    return f"""'"{field}":' || {value}"""


# Absent (null) fields are left out of the object: concat_ws skips nulls.
JSON_LINE = "'{' || concat_ws(',', " + ", ".join(_json_member(f) for f in FIELDS) + ") || '}'"
# CSV and Parquet columns; CSV carries properties as JSON text (or a planted malformed text).
CSV_COLUMNS = ", ".join(
    "coalesce(_properties_text, to_json(properties)) as properties" if f == "properties" else f
    for f in FIELDS
)


def _query(table: pa.Table, select: str, order: str) -> pa.Table:
    con = duckdb.connect()
    con.register(
        "records", table.append_column("_row", pa.array(np.arange(table.num_rows, dtype=np.int64)))
    )
    return con.sql(f"select {select} from records order by {order}").arrow().read_all()


def json_lines(table: pa.Table) -> list[str]:
    """One compact JSON object per record, in table order."""
    return _query(table, f"{JSON_LINE} as line", "_row")["line"].to_pylist()


def _csv_bytes(table: pa.Table, header: bool) -> bytes:
    sink = pa.BufferOutputStream()
    csv.write_csv(table, sink, csv.WriteOptions(include_header=header, quoting_style="needed"))
    return sink.getvalue().to_pybytes()


def csv_lines(table: pa.Table) -> list[str]:
    """One CSV row (no header) per record, in table order."""
    rows = _query(table, CSV_COLUMNS, "_row")
    return _csv_bytes(rows, header=False).decode().splitlines()


def clear_landing(out_dir: Path, streams: tuple[str, ...]) -> None:
    """Remove earlier stream folders and ground truth so old files never mix with new ones."""
    for stream in streams:
        shutil.rmtree(out_dir / stream, ignore_errors=True)
    (out_dir / GROUND_TRUTH_FILE).unlink(missing_ok=True)


def write_landing(out_dir: Path, table: pa.Table, fmt: str) -> dict[str, int]:
    """Write every file; returns row counts keyed by path relative to `out_dir`."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {FORMATS}")
    select = {"jsonl": f"{JSON_LINE} as line", "csv": CSV_COLUMNS, "parquet": ", ".join(FIELDS)}[
        fmt
    ]
    ordered = _query(table, f"{select}, _raw, _file, _kind = 'valid' as _is_valid", "_file, _row")
    folders = ordered["_file"].combine_chunks()
    valid = ordered["_is_valid"].combine_chunks()
    written: dict[str, int] = {}
    runs = pc.run_end_encode(folders)
    first = 0
    for folder, end in zip(runs.values.to_pylist(), runs.run_ends.to_pylist(), strict=True):
        part = ordered.slice(first, end - first)
        n_valid = pc.sum(valid.slice(first, end - first)).as_py() or 0
        path = out_dir / folder / f"events.{fmt}"
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "parquet":
            pq.write_table(part.select(FIELDS), path, compression="zstd")
        else:
            _write_text(path, part, n_valid, fmt)
        written[f"{folder}/events.{fmt}"] = end - first
        first = end
    return written


def _write_text(path: Path, part: pa.Table, n_valid: int, fmt: str) -> None:
    """Valid rows in bulk, then the few bad rows one by one (raw bytes where planted)."""
    good, bad = part.slice(0, n_valid), part.slice(n_valid)
    if fmt == "jsonl":
        lines = good["line"].combine_chunks()
        body = pc.binary_join(pa.ListArray.from_arrays([0, len(lines)], lines), "\n")[0].as_py()
        head = (body + "\n").encode() if len(lines) else b""
        bad_lines = bad["line"].to_pylist()
    else:
        head = _csv_bytes(good.select(FIELDS), header=True)
        bad_lines = _csv_bytes(bad.select(FIELDS), header=False).decode().splitlines()
    tail = [
        (raw if raw is not None else line.encode()) + b"\n"
        for line, raw in zip(bad_lines, bad["_raw"].to_pylist(), strict=True)
    ]
    path.write_bytes(head + b"".join(tail))
