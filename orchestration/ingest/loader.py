"""Load landing files into the raw event log: bulk, atomic per file, idempotent.

For each file: stage it with DuckDB, classify every record, then in ONE transaction
append the new events, the quarantined records and the ledger row. A load killed at
any point leaves no trace of that file, so the next run simply loads it again.
A file already in the ledger with the same checksum is skipped; one whose checksum
changed after it was loaded is reported and not reloaded (the log is immutable).
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.ingest.contract import contract_fields
from orchestration.ingest.readers import FORMATS, stage_file
from orchestration.ingest.tables import (
    LEDGER_TABLE,
    QUARANTINE_TABLE,
    create_raw_tables,
    events_table,
)
from orchestration.ingest.validation import CLASSIFIED, classify_staged, register_seed_tables
from orchestration.seeds import event_catalog

STATUS_LOADED = "loaded"
STATUS_SKIPPED = "skipped_unchanged"
STATUS_CHANGED = "changed_after_load"


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


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """A short-lived connection to the warehouse file, with the raw tables in place."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse))
    con.execute("set timezone = 'UTC'")
    # The same memory cap and spill folder as dbt, so large files spill instead of failing.
    con.execute("set memory_limit = ?", [os.environ.get("FUNNEL_DUCKDB_MEMORY_LIMIT", "3GB")])
    spill = os.environ.get("FUNNEL_DUCKDB_TEMP_DIR", str(warehouse.parent / "duckdb_tmp"))
    con.execute("set temp_directory = ?", [spill])
    create_raw_tables(con, streams(), contract_fields())
    return con


def _existing_events_sql() -> str:
    return " union all ".join(
        f"select event_id, _event_hash from {events_table(s)}" for s in streams()
    )


def _ledger_state(con: duckdb.DuckDBPyConnection, relative: str) -> dict[str, str]:
    rows = con.execute(
        f"select file_sha256, status from {LEDGER_TABLE} where file_path = ?", [relative]
    ).fetchall()
    return {sha: status for sha, status in rows}


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def load_file(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, stream: str, path: Path
) -> FileLoadResult:
    """Load one file, atomically. Safe to call again for the same file."""
    relative = path.relative_to(landing_dir).as_posix()
    sha = file_sha256(path)
    ledger = _ledger_state(con, relative)
    if ledger.get(sha) == STATUS_LOADED:
        return FileLoadResult(stream, relative, STATUS_SKIPPED)
    if STATUS_LOADED in ledger.values():
        message = (
            f"{relative} changed after it was loaded (sha256 now {sha[:12]}); the raw log is "
            "immutable, so it was not reloaded. Drop corrections as a new file."
        )
        if sha not in ledger:
            _record_changed_file(con, stream, relative, path, sha, message)
        return FileLoadResult(stream, relative, STATUS_CHANGED, message=message)

    fields = contract_fields()
    file_format = FORMATS[path.suffix.lower()]
    started_at = _now()
    load_id = uuid.uuid4().hex
    stage_file(con, path, file_format, fields)
    classify_staged(con, stream, fields, _existing_events_sql(), started_at.isoformat())
    counts = dict(
        con.execute(f"select outcome, count(*) from {CLASSIFIED} group by outcome").fetchall()
    )
    result = FileLoadResult(
        stream=stream,
        file_path=relative,
        status=STATUS_LOADED,
        rows_read=sum(counts.values()),
        rows_loaded=counts.get("load", 0),
        rows_duplicate=counts.get("duplicate", 0),
        rows_quarantined=counts.get("quarantine", 0) + counts.get("conflict", 0),
    )
    con.execute("begin transaction")
    try:
        _append(con, stream, relative, load_id, started_at)
        _check_reconciliation(con, stream, load_id, result)
        con.execute(
            f"insert into {LEDGER_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                load_id, stream, relative, file_format, path.stat().st_size, sha,
                STATUS_LOADED, result.rows_read, result.rows_loaded, result.rows_duplicate,
                result.rows_quarantined, started_at, _now(), None,
            ],
        )  # fmt: skip
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return result


def _append(
    con: duckdb.DuckDBPyConnection, stream: str, relative: str, load_id: str, loaded_at: datetime
) -> None:
    fields = contract_fields()
    values = ", ".join(
        {
            "occurred_at": "occurred_at_utc",
            "amount": "try_cast(amount as decimal(18, 2))",
            "properties": "json(properties)",
        }.get(f, f)
        for f in fields
    )
    con.execute(
        f"""
        insert into {events_table(stream)}
        select {values}, event_hash, ?, line_number, ?, ?
        from {CLASSIFIED}
        where outcome = 'load'
        order by line_number
        """,
        [relative, load_id, loaded_at],
    )
    con.execute(
        f"""
        insert into {QUARANTINE_TABLE}
        select
            ?, ?, line_number, event_id, event_type,
            coalesce(quarantine_reason, conflict_reason),
            coalesce(
                quarantine_detail,
                'event_id ' || event_id || ' was already loaded with different content'
            ),
            raw_record, ?, ?
        from {CLASSIFIED}
        where outcome in ('quarantine', 'conflict')
        order by line_number
        """,
        [stream, relative, load_id, loaded_at],
    )


def _check_reconciliation(
    con: duckdb.DuckDBPyConnection, stream: str, load_id: str, result: FileLoadResult
) -> None:
    """Recount what was written under this load id; it must match what was read."""
    loaded, quarantined = con.execute(
        f"""
        select
            (select count(*) from {events_table(stream)} where _load_id = $1),
            (select count(*) from {QUARANTINE_TABLE} where load_id = $1)
        """,
        [load_id],
    ).fetchone()
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
    con: duckdb.DuckDBPyConnection, stream: str, relative: str, path: Path, sha: str, message: str
) -> None:
    now = _now()
    con.execute(
        f"insert into {LEDGER_TABLE} values (?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0, ?, ?, ?)",
        [
            uuid.uuid4().hex, stream, relative, FORMATS[path.suffix.lower()],
            path.stat().st_size, sha, STATUS_CHANGED, now, now, message,
        ],
    )  # fmt: skip


def iter_load_stream(warehouse: Path, landing_dir: Path, stream: str) -> Iterator[FileLoadResult]:
    """Load every new file of one stream, yielding each file's result as soon as it commits.

    One short-lived connection serves the batch and is closed when the batch ends.
    """
    con = connect(warehouse)
    try:
        register_seed_tables(con)
        for path in landing_files(landing_dir, stream):
            yield load_file(con, landing_dir, stream, path)
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
