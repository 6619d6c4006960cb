"""Load landing files into the raw event log: bulk, settled per batch, idempotent.

The new files of a stream are loaded in batches (consecutive files up to
`FUNNEL_INGEST_BATCH_MB`):

1. the batch's JSON-lines files are read in one statement and every record, checked as
   it is read, is appended to the log as an unfinished load, and committed (`bulk`);
2. CSV and Parquet files, JSON-lines files with blank lines, and the bulk-read lines that
   failed a check, read again from their bytes, are staged and classified with their
   reason and detail;
3. event_ids that repeat in the batch or are already in the log are judged (duplicates
   are counted, conflicts quarantined);
4. in ONE transaction the bulk-read records that must not stay are deleted, every other
   staged record is appended, the quarantined records and one ledger row per file are
   written, the loads are finished, and every file is reconciled (rows read = loaded +
   duplicates + quarantined) before the commit.

A load killed at any point leaves at most unfinished loads, which dbt's staging models
leave out and the next run deletes (`discard_unfinished_loads`) before it loads their
files again (the job's raw suites run after that load).
A file the ledger already holds is not loaded again (`already_loaded`): like make or
rsync's quick check, one whose size and modification time are those the ledger recorded is
skipped without being read; any other is hashed, and skipped if its checksum is the loaded
one, else reported as changed after load and not reloaded (the log is immutable).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from orchestration.ingest.bulk import (
    BULK_ROWS,
    BatchLoads,
    BulkRead,
    append_unfinished,
    remove_unloadable,
)
from orchestration.ingest.contract import contract_fields
from orchestration.ingest.readers import (
    FORMATS,
    RAW_RECORDS,
    STAGED,
    BatchFile,
    JsonLine,
    create_staged,
    failed_lines,
    raw_records,
    sql_literal,
    stage_json_lines,
    stage_whole_file,
)
from orchestration.ingest.scan import file_sha256, scan_file
from orchestration.ingest.tables import (
    LEDGER_TABLE,
    QUARANTINE_TABLE,
    create_raw_tables,
    discard_unfinished_loads,
    events_table,
)
from orchestration.ingest.validation import (
    COLLISION_VERDICTS,
    ROW_VERDICTS,
    VERDICTS,
    append_loadable,
    check_reasons,
    classify_collisions,
    classify_rows,
    create_batch_rows,
)
from orchestration.paths import duckdb_limits
from orchestration.seeds import event_catalog

STATUS_LOADED = "loaded"
STATUS_SKIPPED = "skipped_unchanged"
STATUS_CHANGED = "changed_after_load"
# Landing bytes per batch: a batch is read in one statement, its files in parallel, and
# settled in one transaction, so this bounds the keys and staged rows DuckDB holds at once.
DEFAULT_BATCH_MB = 1024
_BATCH_FILES = "_batch_files"


class ReconciliationError(RuntimeError):
    """Rows read did not equal rows loaded + duplicates + quarantined for a file."""


@dataclass(frozen=True)
class FileLoadResult:
    """What happened to one landing file in one run."""

    stream: str
    file_path: str
    status: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_duplicate: int = 0
    rows_quarantined: int = 0
    message: str = ""

    @property
    def reconciles(self) -> bool:
        return self.rows_read == self.rows_loaded + self.rows_duplicate + self.rows_quarantined

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def streams() -> list[str]:
    """The event streams, as the event catalog defines them."""
    return sorted({row["stream"] for row in event_catalog().values()})


def landing_files(landing_dir: Path, stream: str) -> Iterator[Path]:
    """Every supported file under `<landing>/<stream>/`, in sorted path order."""
    root = landing_dir / stream
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix.lower() in FORMATS:
            yield path


def batch_bytes() -> int:
    """Most bytes of landing files staged and committed together (`FUNNEL_INGEST_BATCH_MB`)."""
    return int(float(os.environ.get("FUNNEL_INGEST_BATCH_MB", DEFAULT_BATCH_MB)) * (1 << 20))


def batches(paths: list[Path], limit: int) -> Iterator[list[Path]]:
    """Consecutive runs of files of at most `limit` bytes (a larger file is a batch alone)."""
    batch: list[Path] = []
    size = 0
    for path in paths:
        file_size = path.stat().st_size
        if batch and size + file_size > limit:
            yield batch
            batch, size = [], 0
        batch.append(path)
        size += file_size
    if batch:
        yield batch


def connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """A short-lived connection to the warehouse file, with the raw tables in place."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    # The same memory cap and spill folder as dbt, so large files spill instead of failing.
    con = duckdb.connect(str(warehouse), config=duckdb_limits(warehouse))
    con.execute("set timezone = 'UTC'")
    create_raw_tables(con, streams(), contract_fields())
    return con


# Ledger columns the loader writes, in this order (a ledger migrated from an older version
# has the same columns, `file_mtime_ns` added last).
_LEDGER_COLUMNS = (
    "load_id", "stream", "file_path", "file_format", "file_size_bytes", "file_sha256",
    "status", "rows_read", "rows_loaded", "rows_duplicate", "rows_quarantined", "started_at",
    "finished_at", "message", "file_mtime_ns",
)  # fmt: skip


def _insert_ledger_rows(con: duckdb.DuckDBPyConnection, rows: list[list[object]]) -> None:
    con.executemany(
        f"insert into {LEDGER_TABLE} ({', '.join(_LEDGER_COLUMNS)}) "
        f"values ({', '.join('?' for _ in _LEDGER_COLUMNS)})",
        rows,
    )


@dataclass(frozen=True)
class _LedgerEntry:
    sha256: str
    status: str
    size: int
    mtime_ns: int | None


def _ledger_entries(con: duckdb.DuckDBPyConnection, relative: str) -> list[_LedgerEntry]:
    rows = con.execute(
        f"select file_sha256, status, file_size_bytes, file_mtime_ns from {LEDGER_TABLE} "
        "where file_path = ? order by finished_at",
        [relative],
    ).fetchall()
    return [_LedgerEntry(*row) for row in rows]


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _known_sha256(entries: list[_LedgerEntry], path: Path) -> str | None:
    """The checksum the ledger recorded for the file with its current size and modification
    time, or None if it recorded neither (then only reading the file tells)."""
    stat = path.stat()
    known = {
        (entry.size, entry.mtime_ns): entry.sha256
        for entry in entries
        if entry.mtime_ns is not None
    }
    return known.get((stat.st_size, stat.st_mtime_ns))


def _load_time(con: duckdb.DuckDBPyConnection) -> datetime:
    """Now, or just after the latest load if the clock reads earlier: load times only grow,
    so rows loaded before a batch are those with an earlier `_loaded_at` (and dbt's
    watermark on it misses nothing)."""
    (latest,) = con.execute(f"select max(started_at) from {LEDGER_TABLE}").fetchone() or (None,)
    now = _now()
    return now if latest is None or now > latest else latest + timedelta(microseconds=1)


def _remember_mtime(
    con: duckdb.DuckDBPyConnection, relative: str, sha: str, mtime_ns: int | None
) -> None:
    """Record the modification time at which the file was read with a checksum the ledger
    already has, so that the next run recognises it without reading it."""
    if mtime_ns is not None:
        con.execute(
            f"update {LEDGER_TABLE} set file_mtime_ns = ? where file_path = ? and file_sha256 = ?",
            [mtime_ns, relative, sha],
        )


def already_loaded(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, stream: str, path: Path
) -> FileLoadResult | None:
    """The result for a file the ledger already has as loaded (skipped or changed), else None.

    The rule is make's and rsync's quick check. A file whose size and modification time
    (to the nanosecond) equal those the ledger recorded when it last read the file is taken
    to hold the content it had then, and is not read. Any other file, or one whose ledger
    rows predate recorded modification times, is hashed (sha256): if its content is the one
    loaded it is skipped, and its modification time is recorded for the next run; other
    content is reported as changed after load and not reloaded.

    So a rewrite that keeps both the size and the modification time (a restored `touch -r`,
    or a filesystem with coarse times rewritten within one tick) goes unnoticed; touching
    the file makes the next run hash it.
    """
    relative = path.relative_to(landing_dir).as_posix()
    entries = _ledger_entries(con, relative)
    if all(entry.status != STATUS_LOADED for entry in entries):
        return None
    sha = _known_sha256(entries, path)
    mtime_ns = None
    if sha is None:
        sha, mtime_ns = file_sha256(path)
        _remember_mtime(con, relative, sha, mtime_ns)
    status = {entry.sha256: entry.status for entry in entries}
    if status.get(sha) == STATUS_LOADED:
        return FileLoadResult(stream, relative, STATUS_SKIPPED)
    message = (
        f"{relative} changed after it was loaded (sha256 now {sha[:12]}); the raw log is "
        "immutable, so it was not reloaded. Drop corrections as a new file."
    )
    if sha not in status:
        _record_changed_file(con, stream, relative, path, sha, mtime_ns, message)
    return FileLoadResult(stream, relative, STATUS_CHANGED, message=message)


def _batch_files(pool: ThreadPoolExecutor, paths: list[Path]) -> list[BatchFile]:
    # hashlib and numpy release the GIL on large buffers, so files are scanned while
    # DuckDB reads them.
    return [
        BatchFile(index, path, FORMATS[path.suffix.lower()], pool.submit(scan_file, path))
        for index, path in enumerate(paths)
    ]


def _file_results(
    con: duckdb.DuckDBPyConnection, stream: str, relatives: list[str], read: dict[int, int]
) -> list[FileLoadResult]:
    """Per file: records read, and of them the verdicts; every other record loads."""
    counts: dict[int, dict[str, int]] = {index: {} for index in range(len(relatives))}
    for file_index, outcome, rows in con.execute(
        f"select file_index, outcome, count(*) from {VERDICTS} group by all"
    ).fetchall():
        counts[file_index][outcome] = rows
    results = []
    for index, relative in enumerate(relatives):
        rows_read = read.get(index, 0)
        duplicate = counts[index].get("duplicate", 0)
        quarantined = counts[index].get("quarantine", 0) + counts[index].get("conflict", 0)
        results.append(
            FileLoadResult(
                stream=stream,
                file_path=relative,
                status=STATUS_LOADED,
                rows_read=rows_read,
                rows_loaded=rows_read - duplicate - quarantined,
                rows_duplicate=duplicate,
                rows_quarantined=quarantined,
            )
        )
    return results


def _stage_rest(
    con: duckdb.DuckDBPyConnection, files: list[BatchFile], bulk: BulkRead
) -> dict[int, int]:
    """Step 2's staging: whole files the bulk path did not load, and the bulk-read lines
    that failed a check. Returns the records read from each whole file."""
    fields = contract_fields()
    create_staged(con, fields)
    failed: dict[int, list[tuple[int, bool]]] = {}
    for file_index, line_number, unread in bulk.failed_lines:
        failed.setdefault(file_index, []).append((line_number, unread))
    whole = []
    # The failed lines of every file are staged together: one statement, not one per file.
    lines: list[JsonLine] = []
    for file in files:
        if file.index in bulk.rows_read:
            if file.index in failed:
                lines += failed_lines(file.index, file.scan, failed[file.index], fields)
        else:
            stage_whole_file(con, file, fields)
            whole.append(file.index)
    if lines:
        stage_json_lines(con, lines, fields)
    if not whole:
        return {}
    return dict(
        con.execute(
            f"select file_index, count(*) from {STAGED} "
            "where file_index in (select unnest(?::integer[])) group by 1",
            [whole],
        ).fetchall()
    )


def _check_failed_lines_quarantined(con: duckdb.DuckDBPyConnection, bulk: BulkRead) -> None:
    """Every line that failed a check while read in bulk must fail one when staged again."""
    if not bulk.failed_lines:
        return
    passed = con.execute(
        f"""
        select s.file_index, s.line_number
        from {STAGED} as s
        anti join {ROW_VERDICTS} as v
            on s.file_index = v.file_index and s.line_number = v.line_number
        where s.file_index in (select unnest(?::integer[]))
        limit 1
        """,
        [list(bulk.rows_read)],
    ).fetchall()
    if passed:
        raise ReconciliationError(
            f"file {passed[0][0]} line {passed[0][1]} failed a check when read in bulk but "
            "passed when read again"
        )


def _combine_verdicts(con: duckdb.DuckDBPyConnection) -> None:
    """`_verdicts`: the records that did not load, with the staged raw text where known."""
    con.execute(
        f"""
        create or replace temp table {VERDICTS} as
        select file_index, line_number, event_id, event_type, outcome, reason, detail,
            raw_record
        from {ROW_VERDICTS}
        union all
        select v.file_index, v.line_number, v.event_id, v.event_type, v.outcome, v.reason,
            v.detail, s.raw_record
        from {COLLISION_VERDICTS} as v
        left join {STAGED} as s
            on v.file_index = s.file_index and v.line_number = s.line_number
        """
    )


def load_batch(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, stream: str, paths: list[Path]
) -> list[FileLoadResult]:
    """Load new files together: all of them finish in one transaction or, if interrupted,
    none does (what was appended stays unfinished until the next run deletes it)."""
    fields = contract_fields()
    started_at = _load_time(con)
    loaded_at = started_at.isoformat()
    table = events_table(stream)
    relatives = [path.relative_to(landing_dir).as_posix() for path in paths]
    load_ids = [uuid.uuid4().hex for _ in paths]
    cases = check_reasons(fields, stream, loaded_at)
    con.execute(
        f"create or replace temp table {_BATCH_FILES} as select unnest(?::integer[]) as "
        "file_index, unnest(?::varchar[]) as file_path, unnest(?::varchar[]) as load_id",
        [list(range(len(paths))), relatives, load_ids],
    )
    loads = BatchLoads(table, stream, relatives, load_ids, loaded_at)
    with ThreadPoolExecutor(max_workers=1) as pool:
        files = _batch_files(pool, paths)
        jsonl = [f for f in files if f.file_format == "jsonl"]
        bulk = append_unfinished(con, jsonl, fields, cases, loads)
        # Staging numbers lines by row order; after it every row carries its file and line.
        con.execute("set preserve_insertion_order = true")
        read = {**bulk.rows_read, **_stage_rest(con, files, bulk)}
        con.execute("set preserve_insertion_order = false")
        classify_rows(con, cases)
        _check_failed_lines_quarantined(con, bulk)
        staged_files = [f.index for f in files if f.index not in bulk.rows_read]
        create_batch_rows(con, fields, BULK_ROWS, staged_files)
        classify_collisions(
            con,
            fields,
            [events_table(s) for s in streams()],
            earlier_loads=f"_loaded_at < cast({sql_literal(loaded_at)} as timestamp)",
        )
        _combine_verdicts(con)
        results = _file_results(con, stream, relatives, read)
        missing = con.execute(
            f"select file_index, line_number from {VERDICTS} "
            "where outcome in ('quarantine', 'conflict') and raw_record is null"
        ).fetchall()
        raw_records(con, files, missing, fields)
    con.execute("begin transaction")
    try:
        # Deletes first: a file that fell back has both its bulk rows and its staged ones.
        remove_unloadable(con, loads, bulk)
        append_loadable(con, table, fields, relatives, load_ids, loaded_at)
        _append_quarantine(con, stream, started_at)
        _check_reconciliation(con, stream, dict(zip(load_ids, results, strict=True)))
        _insert_ledger_rows(
            con,
            [
                [
                    load_id, stream, result.file_path, file.file_format, file.scan.size,
                    file.scan.sha256, STATUS_LOADED, result.rows_read, result.rows_loaded,
                    result.rows_duplicate, result.rows_quarantined, started_at, _now(),
                    None, file.scan.mtime_ns,
                ]
                for load_id, result, file in zip(load_ids, results, files, strict=True)
            ],
        )  # fmt: skip
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return results


def _append_quarantine(con: duckdb.DuckDBPyConnection, stream: str, loaded_at: datetime) -> None:
    con.execute(
        f"""
        insert into {QUARANTINE_TABLE}
        select
            ?, f.file_path, v.line_number, v.event_id, v.event_type, v.reason, v.detail,
            coalesce(v.raw_record, r.raw_record), f.load_id, ?
        from {VERDICTS} as v
        inner join {_BATCH_FILES} as f on v.file_index = f.file_index
        left join {RAW_RECORDS} as r
            on v.file_index = r.file_index and v.line_number = r.line_number
        where v.outcome in ('quarantine', 'conflict')
        order by v.file_index, v.line_number
        """,
        [stream, loaded_at],
    )


def _check_reconciliation(
    con: duckdb.DuckDBPyConnection, stream: str, results: dict[str, FileLoadResult]
) -> None:
    """Recount what was written under each load id; it must match what was read."""
    written = {
        load_id: (loaded, quarantined)
        for load_id, loaded, quarantined in con.execute(
            f"""
            with events as (
                select _load_id as load_id, count(*) as n
                from {events_table(stream)}
                where _load_id in (select load_id from {_BATCH_FILES})
                group by 1
            ),
            quarantined as (
                select load_id, count(*) as n
                from {QUARANTINE_TABLE}
                where load_id in (select load_id from {_BATCH_FILES})
                group by 1
            )
            select f.load_id, coalesce(e.n, 0), coalesce(q.n, 0)
            from {_BATCH_FILES} as f
            left join events as e on f.load_id = e.load_id
            left join quarantined as q on f.load_id = q.load_id
            """
        ).fetchall()
    }
    for load_id, result in results.items():
        loaded, quarantined = written[load_id]
        if (
            loaded != result.rows_loaded
            or quarantined != result.rows_quarantined
            or not result.reconciles
        ):
            raise ReconciliationError(
                f"{result.file_path}: read {result.rows_read} but wrote {loaded} events, "
                f"{result.rows_duplicate} duplicates and {quarantined} quarantined"
            )


def unreconciled_files(warehouse: Path, stream: str) -> list[dict[str, object]]:
    """Ledger rows of a stream whose counts do not add up or disagree with the stored events."""
    con = connect(warehouse)
    try:
        rows = con.execute(
            f"""
            with stored as (
                select _load_id as load_id, count(*) as events
                from {events_table(stream)}
                group by _load_id
            )
            select ledger.file_path, ledger.rows_read, ledger.rows_loaded,
                ledger.rows_duplicate, ledger.rows_quarantined, coalesce(stored.events, 0)
            from {LEDGER_TABLE} as ledger
            left join stored on ledger.load_id = stored.load_id
            where ledger.stream = ? and ledger.status = ?
                and (ledger.rows_read <> ledger.rows_loaded + ledger.rows_duplicate
                        + ledger.rows_quarantined
                    or coalesce(stored.events, 0) <> ledger.rows_loaded)
            order by ledger.file_path
            """,
            [stream, STATUS_LOADED],
        ).fetchall()
    finally:
        con.close()
    columns = ("file_path", "rows_read", "rows_loaded", "rows_duplicate", "rows_quarantined",
               "events_stored")  # fmt: skip
    return [dict(zip(columns, row, strict=True)) for row in rows]


def _record_changed_file(
    con: duckdb.DuckDBPyConnection,
    stream: str,
    relative: str,
    path: Path,
    sha: str,
    mtime_ns: int | None,
    message: str,
) -> None:
    now = _now()
    _insert_ledger_rows(
        con,
        [
            [
                uuid.uuid4().hex, stream, relative, FORMATS[path.suffix.lower()],
                path.stat().st_size, sha, STATUS_CHANGED, 0, 0, 0, 0, now, now, message,
                mtime_ns,
            ]
        ],
    )  # fmt: skip


def iter_load_stream(warehouse: Path, landing_dir: Path, stream: str) -> Iterator[FileLoadResult]:
    """Load every new file of one stream, yielding each batch's results once it commits.

    One short-lived connection serves the stream and is closed when it ends.
    """
    con = connect(warehouse)
    try:
        # Every stream's: the duplicate check reads all of the log.
        discard_unfinished_loads(con, streams())
        new = []
        for path in landing_files(landing_dir, stream):
            known = already_loaded(con, landing_dir, stream, path)
            if known is None:
                new.append(path)
            else:
                yield known
        for batch in batches(new, batch_bytes()):
            yield from load_batch(con, landing_dir, stream, batch)
    finally:
        con.close()


def load_stream(warehouse: Path, landing_dir: Path, stream: str) -> list[FileLoadResult]:
    """Load every new file of one stream."""
    return list(iter_load_stream(warehouse, landing_dir, stream))


def iter_load_all(warehouse: Path, landing_dir: Path) -> Iterator[FileLoadResult]:
    """Load every new file of every stream, one file at a time."""
    for stream in streams():
        yield from iter_load_stream(warehouse, landing_dir, stream)


def load_all(warehouse: Path, landing_dir: Path) -> list[FileLoadResult]:
    """Load every new file of every stream."""
    return list(iter_load_all(warehouse, landing_dir))
