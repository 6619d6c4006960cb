"""DDL of the raw layer: one event table per stream (immutable once a load is finished),
quarantine, load ledger and the loads not yet finished.

The raw layer is the only place raw PII (emails) is stored; dbt hashes it on the way out.
"""

from __future__ import annotations

import duckdb

RAW_SCHEMA = "raw"
QUARANTINE_TABLE = f"{RAW_SCHEMA}.quarantined_records"
LEDGER_TABLE = f"{RAW_SCHEMA}.load_ledger"
# Loads whose records are appended but not yet settled (see `ingest.bulk`).
UNFINISHED_TABLE = f"{RAW_SCHEMA}.unfinished_loads"

# Typed columns of an event row; all other contract fields are stored as text.
TYPED_COLUMNS = {
    "occurred_at": "timestamp",
    "amount": "decimal(18, 2)",
    "properties": "json",
}


def events_table(stream: str) -> str:
    """The raw event table of one stream (`raw.marketing_events`, `raw.sales_events`)."""
    return f"{RAW_SCHEMA}.{stream}_events"


def event_columns_ddl(fields: tuple[str, ...]) -> str:
    """Column definitions of a raw event table, contract fields first, then load metadata."""
    columns = [f"{field} {TYPED_COLUMNS.get(field, 'varchar')}" for field in fields]
    columns += [
        "_file_path varchar not null",
        "_line_number bigint not null",
        "_load_id varchar not null",
        "_loaded_at timestamp not null",
    ]
    return ",\n    ".join(columns)


def create_raw_tables(
    con: duckdb.DuckDBPyConnection, streams: list[str], fields: tuple[str, ...]
) -> None:
    """Create the raw schema and its tables if they do not exist yet."""
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    for stream in streams:
        con.execute(
            # No primary key: the classifier admits each event_id once across all streams
            # (and tests check it); an index would only slow every bulk append.
            f"create table if not exists {events_table(stream)} (\n    "
            f"{event_columns_ddl(fields)}\n)"
        )
        # Warehouses loaded before content hashes were computed only on collision stored
        # one per event; the loader no longer writes or reads it.
        con.execute(f"alter table {events_table(stream)} drop column if exists _event_hash")
    con.execute(
        f"""
        create table if not exists {QUARANTINE_TABLE} (
            stream varchar not null,
            file_path varchar not null,
            line_number bigint not null,
            event_id varchar,
            event_type varchar,
            reason varchar not null,
            detail varchar not null,
            raw_record varchar,
            load_id varchar not null,
            quarantined_at timestamp not null,
            primary key (file_path, line_number, load_id)
        )
        """
    )
    con.execute(
        f"""
        create table if not exists {UNFINISHED_TABLE} (
            load_id varchar not null primary key,
            stream varchar not null,
            file_path varchar not null,
            loaded_at timestamp not null
        )
        """
    )
    con.execute(
        f"""
        create table if not exists {LEDGER_TABLE} (
            load_id varchar not null primary key,
            stream varchar not null,
            file_path varchar not null,
            file_format varchar not null,
            file_size_bytes bigint not null,
            file_sha256 varchar not null,
            status varchar not null,
            rows_read bigint not null,
            rows_loaded bigint not null,
            rows_duplicate bigint not null,
            rows_quarantined bigint not null,
            started_at timestamp not null,
            finished_at timestamp not null,
            message varchar,
            file_mtime_ns bigint
        )
        """
    )
    # The file's modification time (ns since the epoch) when it was last read and found to
    # have `file_sha256`; null if unknown (ledgers written before it was recorded, or a
    # file that changed while it was read). See `loader.already_loaded`.
    con.execute(f"alter table {LEDGER_TABLE} add column if not exists file_mtime_ns bigint")


def discard_unfinished_loads(con: duckdb.DuckDBPyConnection, streams: list[str]) -> int:
    """Delete the records of the streams' unfinished loads (a load stopped between its two
    transactions), so that their files load again whole. Returns how many loads."""
    con.execute("begin transaction")
    try:
        loads = 0
        for stream in streams:
            unfinished = f"select load_id from {UNFINISHED_TABLE} where stream = ?"
            (count,) = con.execute(f"select count(*) from ({unfinished})", [stream]).fetchone() or (
                0,
            )
            if count:
                con.execute(
                    f"delete from {events_table(stream)} where _load_id in ({unfinished})",
                    [stream],
                )
                con.execute(f"delete from {UNFINISHED_TABLE} where stream = ?", [stream])
                loads += count
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return loads
