"""The raw loader on small hand-written files whose outcome is worked out line by line."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.ingest.contract import contract_fields
from orchestration.ingest.loader import load_all

PAGE_VIEW = {
    "event_id": "e1",
    "event_type": "page_viewed",
    "occurred_at": "2025-03-01T10:00:00+02:00",
    "anonymous_id": "anon-1",
}
FORM_FILL = {
    "event_id": "e2",
    "event_type": "form_submitted",
    "occurred_at": "2025-03-01T10:05:00Z",
    "anonymous_id": "anon-1",
    "email": "Bob@Acme.com",
    "properties": {"industry": "software", "seniority": "vp"},
}
DEAL_WON = {
    "event_id": "s1",
    "event_type": "deal_won",
    "occurred_at": "2025-04-01T09:00:00-05:00",
    "opportunity_id": "opp-1",
    "account_id": "acc-1",
    "amount": 1200.5,
    "currency": "USD",
}

# One bad line per quarantine reason, each with exactly one defect, and the line it is on.
BAD_LINES: list[tuple[str, bytes]] = [
    ("malformed_record", b'{"event_id": "b1", "event_type": '),
    ("invalid_encoding", b'{"event_id": "b2", "event_type": "page_viewed", "x": "\xff\xfe"}'),
    ("missing_required_field", json.dumps({**PAGE_VIEW, "event_id": None}).encode()),
    ("unknown_event_type", json.dumps({**PAGE_VIEW, "event_id": "b4", "event_type": "page_scrolled"}).encode()),
    ("wrong_stream", json.dumps({**DEAL_WON, "event_id": "b5"}).encode()),
    ("missing_identity", json.dumps({**PAGE_VIEW, "event_id": "b6", "anonymous_id": None}).encode()),
    ("invalid_timestamp", json.dumps({**PAGE_VIEW, "event_id": "b7", "occurred_at": "2025-03-01T10:00:00"}).encode()),
    ("timestamp_out_of_range", json.dumps({**PAGE_VIEW, "event_id": "b8", "occurred_at": "1970-01-01T00:00:00Z"}).encode()),
    ("timestamp_out_of_range", json.dumps({**PAGE_VIEW, "event_id": "b9", "occurred_at": "2099-01-01T00:00:00Z"}).encode()),
    ("invalid_amount", json.dumps({"event_id": "b10", "event_type": "campaign_spend", "occurred_at": "2025-03-01T00:00:00Z", "campaign_id": "c1", "channel": "paid_search", "amount": "12,50 EUR", "currency": "EUR"}).encode()),
    ("missing_required_field", json.dumps({"event_id": "b11", "event_type": "campaign_spend", "occurred_at": "2025-03-01T00:00:00Z", "campaign_id": "c1", "channel": "paid_search", "currency": "EUR"}).encode()),
    ("conflicting_event_id", json.dumps({**PAGE_VIEW, "anonymous_id": "someone-else"}).encode()),
]  # fmt: skip


def write_jsonl(path: Path, lines: list[bytes | dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = [line if isinstance(line, bytes) else json.dumps(line).encode() for line in lines]
    path.write_bytes(b"\n".join(raw) + b"\n")
    return path


def table(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def snapshot(warehouse: Path) -> dict[str, list[tuple]]:
    """Everything in the raw layer except load ids and load times."""
    return {
        "marketing": table(warehouse, "select * exclude (_load_id, _loaded_at) from raw.marketing_events order by event_id"),
        "sales": table(warehouse, "select * exclude (_load_id, _loaded_at) from raw.sales_events order by event_id"),
        "quarantine": table(warehouse, "select * exclude (load_id, quarantined_at) from raw.quarantined_records order by file_path, line_number"),
    }  # fmt: skip


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    # Line 3 is blank on purpose: blank lines are not records and are not counted.
    write_jsonl(
        root / "marketing" / "2025-03" / "a.jsonl",
        [PAGE_VIEW, FORM_FILL, b"", PAGE_VIEW, *[line for _, line in BAD_LINES]],
    )
    write_jsonl(root / "sales" / "2025-04" / "a.jsonl", [DEAL_WON])
    return root  # fmt: skip


def test_every_bad_record_is_quarantined_with_its_reason_and_line(landing: Path, tmp_path: Path):
    warehouse = tmp_path / "w.duckdb"
    load_all(warehouse, landing)
    quarantined = table(
        warehouse, "select line_number, reason from raw.quarantined_records order by line_number"
    )
    # Lines 1-2 load, 3 is blank, 4 duplicates line 1, bad lines start at 5.
    assert quarantined == [(5 + i, reason) for i, (reason, _) in enumerate(BAD_LINES)]
    details = dict(
        table(warehouse, "select reason, max(detail) from raw.quarantined_records group by 1")
    )
    assert "amount" in details["invalid_amount"]
    assert "event type page_scrolled" in details["unknown_event_type"]
    assert "sales stream" in details["wrong_stream"]


def test_each_file_reconciles_in_the_ledger(landing: Path, tmp_path: Path):
    warehouse = tmp_path / "w.duckdb"
    results = load_all(warehouse, landing)
    by_path = {r.file_path: r for r in results}
    marketing = by_path["marketing/2025-03/a.jsonl"]
    assert (marketing.rows_read, marketing.rows_loaded, marketing.rows_duplicate) == (
        3 + len(BAD_LINES),
        2,
        1,
    )
    assert marketing.rows_quarantined == len(BAD_LINES)
    ledger = table(
        warehouse,
        "select file_path, rows_read, rows_loaded, rows_duplicate, rows_quarantined from raw.load_ledger order by 1",
    )
    assert ledger == [
        ("marketing/2025-03/a.jsonl", 3 + len(BAD_LINES), 2, 1, len(BAD_LINES)),
        ("sales/2025-04/a.jsonl", 1, 1, 0, 0),
    ]  # fmt: skip


def test_timestamps_are_stored_in_utc_and_amounts_as_decimals(landing: Path, tmp_path: Path):
    warehouse = tmp_path / "w.duckdb"
    load_all(warehouse, landing)
    rows = dict(
        table(
            warehouse,
            "select event_id, strftime(occurred_at, '%Y-%m-%d %H:%M') from raw.marketing_events",
        )
    )
    assert rows == {"e1": "2025-03-01 08:00", "e2": "2025-03-01 10:05"}
    (sale,) = table(
        warehouse, "select strftime(occurred_at, '%H:%M'), amount from raw.sales_events"
    )
    assert sale[0] == "14:00" and float(sale[1]) == 1200.5  # fmt: skip


def test_loading_twice_changes_nothing(landing: Path, tmp_path: Path):
    warehouse = tmp_path / "w.duckdb"
    load_all(warehouse, landing)
    before = snapshot(warehouse)
    second = load_all(warehouse, landing)
    assert {r.status for r in second} == {"skipped_unchanged"}
    assert snapshot(warehouse) == before


def test_the_same_events_in_a_new_file_are_duplicates(landing: Path, tmp_path: Path):
    warehouse = tmp_path / "w.duckdb"
    load_all(warehouse, landing)
    before = snapshot(warehouse)
    write_jsonl(landing / "marketing" / "2025-05" / "replay.jsonl", [FORM_FILL, PAGE_VIEW])
    (replay,) = [r for r in load_all(warehouse, landing) if r.status == "loaded"]
    assert (
        replay.rows_read,
        replay.rows_loaded,
        replay.rows_duplicate,
        replay.rows_quarantined,
    ) == (2, 0, 2, 0)
    assert snapshot(warehouse) == before  # fmt: skip


def test_a_log_that_still_stores_content_hashes_loads_on_without_them(
    landing: Path, tmp_path: Path
):
    warehouse = tmp_path / "w.duckdb"
    load_all(warehouse, landing)
    with duckdb.connect(str(warehouse)) as con:
        # As a warehouse loaded before hashes were computed only on collision.
        con.execute("alter table raw.marketing_events add column _event_hash varchar")
        con.execute("update raw.marketing_events set _event_hash = md5(event_id)")
    write_jsonl(
        landing / "marketing" / "2025-05" / "replay.jsonl",
        [FORM_FILL, {**PAGE_VIEW, "anonymous_id": "someone-else"}],
    )
    (replay,) = [r for r in load_all(warehouse, landing) if r.status == "loaded"]
    # FORM_FILL is the same event again; PAGE_VIEW's id comes back with other content.
    assert (replay.rows_loaded, replay.rows_duplicate, replay.rows_quarantined) == (0, 1, 1)
    columns = table(warehouse, "select column_name from (describe raw.marketing_events)")
    assert ("_event_hash",) not in columns


def test_a_file_changed_after_loading_is_reported_not_reloaded(landing: Path, tmp_path: Path):
    warehouse = tmp_path / "w.duckdb"
    load_all(warehouse, landing)
    before = snapshot(warehouse)
    write_jsonl(landing / "sales" / "2025-04" / "a.jsonl", [{**DEAL_WON, "amount": 999}])
    results = {r.file_path: r for r in load_all(warehouse, landing)}
    assert results["sales/2025-04/a.jsonl"].status == "changed_after_load"
    assert "changed after it was loaded" in results["sales/2025-04/a.jsonl"].message
    assert snapshot(warehouse) == before
    # Reported once in the ledger, not again on the next run.
    load_all(warehouse, landing)
    assert table(
        warehouse, "select count(*) from raw.load_ledger where status = 'changed_after_load'"
    ) == [(1,)]


SALES_FILE = "sales/2025-04/a.jsonl"


def rewrite_same_size(path: Path, mtime_ns: int) -> None:
    """Give the file other bytes of the same length, then set its modification time."""
    content = path.read_bytes()
    assert content.count(b"opp-1") == 1
    path.write_bytes(content.replace(b"opp-1", b"opp-2"))
    os.utime(path, ns=(mtime_ns, mtime_ns))


def statuses(warehouse: Path, landing: Path) -> dict[str, str]:
    return {r.file_path: r.status for r in load_all(warehouse, landing)}


def recorded_mtime(warehouse: Path, file_path: str) -> list[tuple]:
    return table(
        warehouse,
        f"select status, file_mtime_ns from raw.load_ledger where file_path = '{file_path}' "
        "order by finished_at",
    )


def test_a_file_with_the_recorded_size_and_mtime_is_skipped_without_being_read(
    landing: Path, tmp_path: Path
):
    warehouse = tmp_path / "w.duckdb"
    path = landing / SALES_FILE
    loaded_mtime = path.stat().st_mtime_ns
    load_all(warehouse, landing)
    assert recorded_mtime(warehouse, SALES_FILE) == [("loaded", loaded_mtime)]
    before = snapshot(warehouse)
    # Other bytes, same size, the recorded mtime restored: only reading the file would
    # notice, so a skip proves it was not read (the documented blind spot of the rule).
    rewrite_same_size(path, loaded_mtime)
    assert statuses(warehouse, landing)[SALES_FILE] == "skipped_unchanged"
    assert snapshot(warehouse) == before


def test_a_same_size_rewrite_with_a_new_mtime_is_detected_as_changed(landing: Path, tmp_path: Path):
    warehouse = tmp_path / "w.duckdb"
    path = landing / SALES_FILE
    load_all(warehouse, landing)
    before = snapshot(warehouse)
    touched = path.stat().st_mtime_ns + 1_000_000_000
    rewrite_same_size(path, touched)
    assert statuses(warehouse, landing)[SALES_FILE] == "changed_after_load"
    assert snapshot(warehouse) == before
    assert recorded_mtime(warehouse, SALES_FILE)[1] == ("changed_after_load", touched)


def test_a_touched_file_with_the_loaded_content_is_skipped_and_its_mtime_recorded(
    landing: Path, tmp_path: Path
):
    warehouse = tmp_path / "w.duckdb"
    path = landing / SALES_FILE
    load_all(warehouse, landing)
    touched = path.stat().st_mtime_ns + 1_000_000_000
    os.utime(path, ns=(touched, touched))
    assert statuses(warehouse, landing)[SALES_FILE] == "skipped_unchanged"
    assert recorded_mtime(warehouse, SALES_FILE) == [("loaded", touched)]


def test_ledger_rows_without_an_mtime_fall_back_to_the_checksum(landing: Path, tmp_path: Path):
    warehouse = tmp_path / "w.duckdb"
    load_all(warehouse, landing)
    with duckdb.connect(str(warehouse)) as con:
        # As a ledger written before modification times were recorded.
        con.execute("alter table raw.load_ledger drop column file_mtime_ns")
    marketing = "marketing/2025-03/a.jsonl"
    path = landing / SALES_FILE
    # Same size and mtime as when it was loaded, but nothing recorded to compare them to.
    rewrite_same_size(path, path.stat().st_mtime_ns)
    assert statuses(warehouse, landing) == {
        marketing: "skipped_unchanged",
        SALES_FILE: "changed_after_load",
    }
    # The unchanged file was hashed once; its mtime is recorded for the next run.
    assert recorded_mtime(warehouse, marketing) == [
        ("loaded", (landing / marketing).stat().st_mtime_ns)
    ]
    assert recorded_mtime(warehouse, SALES_FILE) == [
        ("loaded", None),
        ("changed_after_load", path.stat().st_mtime_ns),
    ]


def test_csv_and_parquet_load_the_same_events_as_jsonl(tmp_path: Path):
    events = [PAGE_VIEW, FORM_FILL]
    frame = pd.DataFrame(events)
    frame["properties"] = frame["properties"].map(
        lambda p: json.dumps(p) if isinstance(p, dict) else None
    )
    loaded = {}
    for suffix in ("jsonl", "csv", "parquet"):
        root = tmp_path / suffix
        path = root / "marketing" / f"events.{suffix}"
        path.parent.mkdir(parents=True)
        if suffix == "jsonl":
            write_jsonl(path, events)
        elif suffix == "csv":
            frame.to_csv(path, index=False)
        else:
            frame.to_parquet(path, index=False)
        warehouse = tmp_path / f"{suffix}.duckdb"
        (result,) = load_all(warehouse, root)
        assert result.rows_loaded == 2, suffix
        loaded[suffix] = table(
            warehouse,
            "select * exclude (_file_path, _line_number, _load_id, _loaded_at) from raw.marketing_events order by 1",
        )
        # Line numbers are the file's own: a CSV's first record is on line 2, below the header.
        first_line = 2 if suffix == "csv" else 1
        assert table(warehouse, "select _line_number from raw.marketing_events order by 1") == [
            (first_line,),
            (first_line + 1,),
        ]
    assert loaded["csv"] == loaded["jsonl"]
    assert loaded["parquet"] == loaded["jsonl"]  # fmt: skip


def test_a_malformed_csv_row_is_quarantined_with_its_line(tmp_path: Path):
    root = tmp_path / "landing"
    path = root / "marketing" / "events.csv"
    path.parent.mkdir(parents=True)
    header = "event_id,event_type,occurred_at,source_system,anonymous_id,email,contact_id,account_id,opportunity_id,campaign_id,channel,content_id,owner_id,amount,currency,reason,properties"
    good = "c1,page_viewed,2025-03-01T10:00:00Z,web,anon-9,,,,,,,,,,,,"
    bad = "c2,page_viewed,2025-03-01T10:00:00Z,web,anon-9"
    path.write_text("\n".join([header, good, bad, good.replace("c1", "c3")]) + "\n")
    (result,) = load_all(tmp_path / "w.duckdb", root)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 2, 1)
    assert table(
        tmp_path / "w.duckdb", "select line_number, reason from raw.quarantined_records"
    ) == [(3, "malformed_record")]
    assert table(tmp_path / "w.duckdb", "select event_id, _line_number from raw.marketing_events order by 1") == [("c1", 2), ("c3", 4)]  # fmt: skip


def test_a_csv_row_with_truncated_properties_json_is_quarantined(tmp_path: Path):
    root = tmp_path / "landing"
    path = root / "marketing" / "events.csv"
    path.parent.mkdir(parents=True)
    frame = pd.DataFrame(
        [
            {**PAGE_VIEW, "properties": '{"industry": "software"}'},
            {**PAGE_VIEW, "event_id": "t2", "properties": '{"industry": "softw'},
        ]
    )
    frame.to_csv(path, index=False)
    (result,) = load_all(tmp_path / "w.duckdb", root)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (2, 1, 1)
    assert table(
        tmp_path / "w.duckdb", "select line_number, reason from raw.quarantined_records"
    ) == [(3, "malformed_record")]


def test_a_quarantined_parquet_row_keeps_its_fields_as_the_raw_record(tmp_path: Path):
    root = tmp_path / "landing"
    path = root / "marketing" / "events.parquet"
    path.parent.mkdir(parents=True)
    bad = {**PAGE_VIEW, "event_id": "q2", "event_type": "page_scrolled"}
    pd.DataFrame([PAGE_VIEW, bad]).to_parquet(path, index=False)
    (result,) = load_all(tmp_path / "w.duckdb", root)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (2, 1, 1)
    ((line, reason, record),) = table(
        tmp_path / "w.duckdb", "select line_number, reason, raw_record from raw.quarantined_records"
    )
    assert (line, reason) == (2, "unknown_event_type")
    # Every contract field by name, as the row holds it (null where the file has no column).
    assert json.loads(record) == {field: bad.get(field) for field in contract_fields()}
