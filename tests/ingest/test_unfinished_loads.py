"""A load stopped between its two transactions: its records are in the log, unfinished,
and the next run deletes them and loads their files again, whole.

Expected values are worked out by hand from the lines written here.
"""

from __future__ import annotations

from concurrent.futures import Future
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from orchestration.ingest.bulk import BatchLoads, append_unfinished
from orchestration.ingest.contract import contract_fields
from orchestration.ingest.loader import connect, load_all
from orchestration.ingest.readers import BatchFile
from orchestration.ingest.scan import scan_file
from orchestration.ingest.tables import events_table
from orchestration.ingest.validation import check_reasons
from tests.ingest.test_batches import ledger, quarantined, view
from tests.ingest.test_loader import snapshot, table, write_jsonl

LOADED_AT = "2025-06-01T12:00:00"


def write_landing(root: Path) -> Path:
    """Two files; returns the second."""
    write_jsonl(root / "marketing" / "a.jsonl", [view("m1")])
    second = write_jsonl(
        root / "marketing" / "b.jsonl",
        [
            view("m2"),                          # 1 loads
            view("m1"),                          # 2 already in the log: duplicate
            b'{"event_id": "m3", "event_type": ',  # 3 malformed: quarantined
            view("m2"),                          # 4 repeats line 1: duplicate
            view("m2", anonymous_id="anon-2"),   # 5 repeats line 1, other content: conflict
            view("m6"),                          # 6 loads
        ],
    )  # fmt: skip
    return second


def stop_after_first_transaction(warehouse: Path, path: Path) -> None:
    """Run the bulk append of one file as a load of its own would, then stop."""
    scan: Future = Future()
    scan.set_result(scan_file(path))
    fields = contract_fields()
    loads = BatchLoads(events_table("marketing"), "marketing", ["marketing/b.jsonl"], ["stopped"], LOADED_AT)  # fmt: skip
    con = connect(warehouse)
    try:
        append_unfinished(
            con,
            [BatchFile(0, path, "jsonl", scan)],
            fields,
            check_reasons(fields, "marketing", LOADED_AT),
            loads,
        )
    finally:
        con.close()


def test_a_load_stopped_between_its_transactions_is_loaded_again_whole(tmp_path: Path):
    landing = tmp_path / "landing"
    second = write_landing(landing)
    second.rename(second.with_suffix(".later"))
    warehouse = tmp_path / "w.duckdb"
    load_all(warehouse, landing)
    second.with_suffix(".later").rename(second)

    stop_after_first_transaction(warehouse, second)
    # Every line the reader returned is in the log, unfinished; the failed one negated.
    assert table(warehouse, "select _line_number, event_id from raw.marketing_events where _load_id = 'stopped' order by abs(_line_number)") == [
        (1, "m2"), (2, "m1"), (-3, None), (4, "m2"), (5, "m2"), (6, "m6"),
    ]  # fmt: skip
    assert table(warehouse, "select load_id, stream, file_path from raw.unfinished_loads") == [
        ("stopped", "marketing", "marketing/b.jsonl")
    ]

    load_all(warehouse, landing)
    reference = tmp_path / "reference.duckdb"
    load_all(reference, landing)
    assert table(warehouse, "select count(*) from raw.unfinished_loads") == [(0,)]
    assert table(warehouse, "select count(*) from raw.marketing_events where _load_id = 'stopped'") == [(0,)]  # fmt: skip
    assert table(warehouse, "select event_id, _line_number from raw.marketing_events order by 1") == [
        ("m1", 1), ("m2", 1), ("m6", 6),
    ]  # fmt: skip
    assert ledger(warehouse) == [
        ("marketing/a.jsonl", 1, 1, 0, 0),
        ("marketing/b.jsonl", 6, 2, 2, 2),
    ]
    assert [(path, line, reason) for path, line, reason, _ in quarantined(warehouse)] == [
        ("marketing/b.jsonl", 3, "malformed_record"),
        ("marketing/b.jsonl", 5, "conflicting_event_id"),
    ]
    assert snapshot(warehouse) == snapshot(reference)


def test_load_times_only_grow_even_when_the_clock_reads_earlier(tmp_path: Path):
    landing = tmp_path / "landing"
    second = write_landing(landing)
    second.unlink()
    warehouse = tmp_path / "w.duckdb"
    load_all(warehouse, landing)
    future = datetime.now() + timedelta(days=1)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update raw.load_ledger set started_at = ?", [future])
    write_jsonl(second, [view("m2")])
    load_all(warehouse, landing)
    after = f"_loaded_at > timestamp '{future.isoformat()}'"
    assert table(warehouse, f"select {after} from raw.marketing_events where event_id = 'm2'") == [(True,)]  # fmt: skip
