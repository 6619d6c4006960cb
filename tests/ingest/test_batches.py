"""Batches of files: the bulk JSON reader, line numbers and duplicates across files.

Every expected value is worked out by hand from the lines written here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestration.ingest import bulk
from orchestration.ingest.contract import contract_fields
from orchestration.ingest.loader import load_all
from tests.ingest.test_loader import DEAL_WON, FORM_FILL, PAGE_VIEW, snapshot, table, write_jsonl


def view(event_id: str, anonymous_id: str = "anon-1") -> dict:
    return {**PAGE_VIEW, "event_id": event_id, "anonymous_id": anonymous_id}


def ledger(warehouse: Path) -> list[tuple]:
    return table(
        warehouse,
        "select file_path, rows_read, rows_loaded, rows_duplicate, rows_quarantined "
        "from raw.load_ledger order by file_path",
    )


def quarantined(warehouse: Path) -> list[tuple]:
    return table(
        warehouse,
        "select file_path, line_number, reason, raw_record from raw.quarantined_records "
        "order by file_path, line_number",
    )


def test_bad_lines_in_the_middle_keep_their_line_numbers(tmp_path: Path):
    landing = tmp_path / "landing"
    unknown = b'{"event_type": "page_scrolled",  "event_id": "u1", "occurred_at": "2025-03-01T10:00:00Z", "anonymous_id": "a"}'
    write_jsonl(
        landing / "marketing" / "a.jsonl",
        [
            view("m1"),                                  # 1 loads
            b'{"event_id": "m2", "event_type": ',        # 2 malformed (truncated)
            view("m3"),                                  # 3 loads
            b'{"event_id": "m4", "x": "\xff"}',          # 4 not UTF-8
            b"[1, 2]",                                   # 5 an array, not an object
            b"null",                                     # 6 a scalar
            b'{"colour": "blue"}',                       # 7 an object without contract fields
            unknown,                                     # 8 unknown event type, kept verbatim
            view("m9"),                                  # 9 loads
            b'{"event_id": "  ", "amount": ""}',         # 10 a record whose fields are all blank
        ],
    )  # fmt: skip
    warehouse = tmp_path / "w.duckdb"
    load_all(warehouse, landing)
    assert table(warehouse, "select event_id, _line_number from raw.marketing_events order by 2") == [
        ("m1", 1), ("m3", 3), ("m9", 9),
    ]  # fmt: skip
    rows = quarantined(warehouse)
    assert [(line, reason) for _, line, reason, _ in rows] == [
        (2, "malformed_record"),
        (4, "invalid_encoding"),
        (5, "malformed_record"),
        (6, "malformed_record"),
        (7, "missing_required_field"),
        (8, "unknown_event_type"),
        (10, "missing_required_field"),  # read, so not malformed, though every field is blank
    ]
    raw = {line: record for _, line, _, record in rows}
    assert raw[2] == '{"event_id": "m2", "event_type": '
    assert raw[4] == '{"event_id": "m4", "x": "?"}'  # the undecodable byte, as a `?`
    assert raw[8] == unknown.decode()
    assert ledger(warehouse) == [("marketing/a.jsonl", 10, 3, 0, 7)]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_blank_lines_and_crlf_do_not_shift_line_numbers(tmp_path: Path, newline: str):
    landing = tmp_path / "landing"
    write_jsonl(landing / "marketing" / "a.jsonl", [view("a1"), b"{oops", view("a3")])
    lines = [
        json.dumps(view("b1")),
        "",
        json.dumps(view("b3")),
        "   ",
        "{oops",
        json.dumps(view("b6")),
    ]
    path = landing / "marketing" / "b.jsonl"
    path.write_bytes(newline.join(lines).encode())  # no newline after the last line
    warehouse = tmp_path / "w.duckdb"
    load_all(warehouse, landing)
    assert table(warehouse, "select event_id, _line_number from raw.marketing_events order by 1") == [
        ("a1", 1), ("a3", 3), ("b1", 1), ("b3", 3), ("b6", 6),
    ]  # fmt: skip
    assert [(path, line, reason, raw) for path, line, reason, raw in quarantined(warehouse)] == [
        ("marketing/a.jsonl", 2, "malformed_record", "{oops"),
        ("marketing/b.jsonl", 5, "malformed_record", "{oops"),
    ]
    assert ledger(warehouse) == [
        ("marketing/a.jsonl", 3, 2, 0, 1),
        ("marketing/b.jsonl", 4, 3, 0, 1),
    ]


def test_crlf_lines_keep_their_numbers(tmp_path: Path):
    landing = tmp_path / "landing"
    path = landing / "marketing" / "a.jsonl"
    path.parent.mkdir(parents=True)
    lines = [json.dumps(view("c1")), json.dumps(view("c2")), "{oops", json.dumps(view("c4"))]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    warehouse = tmp_path / "w.duckdb"
    load_all(warehouse, landing)
    assert table(warehouse, "select event_id, _line_number from raw.marketing_events order by 2") == [
        ("c1", 1), ("c2", 2), ("c4", 4),
    ]  # fmt: skip
    assert [(line, raw) for _, line, _, raw in quarantined(warehouse)] == [(3, "{oops")]


def test_duplicates_and_conflicts_across_the_files_of_one_batch(tmp_path: Path):
    landing = tmp_path / "landing"
    write_jsonl(landing / "marketing" / "1.jsonl", [view("d1"), view("d2")])
    write_jsonl(
        landing / "marketing" / "2.jsonl",
        [
            view("d1"),                  # 1 the same as 1.jsonl line 1: duplicate
            view("d2", "someone-else"),  # 2 d2 with other content: conflict
            view("d3"),                  # 3 new: loads
            view("d3"),                  # 4 again in the same file: duplicate
        ],
    )  # fmt: skip
    write_jsonl(
        landing / "marketing" / "3.jsonl",
        [view("d3", "someone-else"), view("d2")],  # conflict with 2.jsonl; duplicate of 1.jsonl
    )
    warehouse = tmp_path / "w.duckdb"
    results = load_all(warehouse, landing)
    assert len({r.status for r in results}) == 1 and all(r.reconciles for r in results)
    assert ledger(warehouse) == [
        ("marketing/1.jsonl", 2, 2, 0, 0),
        ("marketing/2.jsonl", 4, 1, 2, 1),
        ("marketing/3.jsonl", 2, 0, 1, 1),
    ]
    assert [(path, line, reason) for path, line, reason, _ in quarantined(warehouse)] == [
        ("marketing/2.jsonl", 2, "conflicting_event_id"),
        ("marketing/3.jsonl", 1, "conflicting_event_id"),
    ]
    assert table(warehouse, "select event_id, _file_path, _line_number from raw.marketing_events order by 1") == [
        ("d1", "marketing/1.jsonl", 1), ("d2", "marketing/1.jsonl", 2), ("d3", "marketing/2.jsonl", 3),
    ]  # fmt: skip


def test_repeats_of_an_event_already_in_the_log_are_judged_against_the_log(tmp_path: Path):
    landing = tmp_path / "landing"
    write_jsonl(landing / "marketing" / "1.jsonl", [FORM_FILL])
    warehouse = tmp_path / "w.duckdb"
    load_all(warehouse, landing)
    other = {**FORM_FILL, "email": "other@acme.com"}
    write_jsonl(landing / "marketing" / "2.jsonl", [other, FORM_FILL, other])
    load_all(warehouse, landing)
    assert ledger(warehouse)[1] == ("marketing/2.jsonl", 3, 0, 1, 2)
    assert [line for _, line, _, _ in quarantined(warehouse)] == [1, 3]


def test_an_event_id_the_other_stream_logged_earlier_is_a_conflict(tmp_path: Path):
    """The log is probed only in the tables that hold earlier loads: here the marketing one,
    while the sales table holds none (its first load) and the first run's tables held none."""
    landing = tmp_path / "landing"
    write_jsonl(landing / "marketing" / "1.jsonl", [view("x1"), view("x2")])
    warehouse = tmp_path / "w.duckdb"
    load_all(warehouse, landing)
    write_jsonl(
        landing / "sales" / "2025-04" / "a.jsonl",
        [
            {**DEAL_WON, "event_id": "x2"},  # 1 x2 is a marketing event in the log: conflict
            DEAL_WON,                        # 2 new: loads
            DEAL_WON,                        # 3 again in the same file: duplicate
        ],
    )  # fmt: skip
    load_all(warehouse, landing)
    assert ledger(warehouse) == [
        ("marketing/1.jsonl", 2, 2, 0, 0),
        ("sales/2025-04/a.jsonl", 3, 1, 1, 1),
    ]
    assert [(path, line, reason) for path, line, reason, _ in quarantined(warehouse)] == [
        ("sales/2025-04/a.jsonl", 1, "conflicting_event_id"),
    ]
    assert table(warehouse, "select event_id from raw.sales_events") == [("s1",)]


@pytest.mark.parametrize("batch_mb", ["0.000001", "1000"])
def test_the_batch_size_does_not_change_the_result(tmp_path: Path, monkeypatch, batch_mb: str):
    landing = tmp_path / "landing"
    write_jsonl(landing / "marketing" / "1.jsonl", [view("b1"), b"{", view("b2")])
    write_jsonl(landing / "marketing" / "2.jsonl", [view("b2"), view("b1", "x"), view("b3")])
    write_jsonl(landing / "marketing" / "3.jsonl", [view("b3"), b"", view("b4")])
    reference = tmp_path / "one_file_at_a_time.duckdb"
    monkeypatch.setenv("FUNNEL_INGEST_BATCH_MB", "0.000001")
    load_all(reference, landing)
    warehouse = tmp_path / "w.duckdb"
    monkeypatch.setenv("FUNNEL_INGEST_BATCH_MB", batch_mb)
    load_all(warehouse, landing)
    assert snapshot(warehouse) == snapshot(reference)
    assert ledger(warehouse) == [
        ("marketing/1.jsonl", 3, 2, 0, 1),
        ("marketing/2.jsonl", 3, 1, 1, 1),
        ("marketing/3.jsonl", 2, 1, 1, 0),
    ]


def test_a_batch_without_repeated_event_ids_loads_every_passing_line(tmp_path: Path):
    landing = tmp_path / "landing"
    compact = json.dumps(view("n2"), separators=(",", ":")).encode()
    write_jsonl(
        landing / "marketing" / "a.jsonl",
        [view("n1"), compact, b'{"event_id":"n3"}', view("n4")],  # line 3 lacks fields
    )
    warehouse = tmp_path / "w.duckdb"
    load_all(warehouse, landing)
    assert table(warehouse, "select event_id, _line_number from raw.marketing_events order by 2") == [
        ("n1", 1), ("n2", 2), ("n4", 4),
    ]  # fmt: skip
    assert [(line, reason) for _, line, reason, _ in quarantined(warehouse)] == [
        (3, "missing_required_field")
    ]
    assert ledger(warehouse) == [("marketing/a.jsonl", 4, 3, 0, 1)]


def test_event_ids_spelled_differently_are_judged_with_their_repeats(tmp_path: Path):
    """An event_id written another way (its key escaped, its value a number) is the same
    event_id and collides with its repeats; a key of that name nested in properties is not
    the record's event_id."""
    escaped_k1 = json.dumps(view("k1")).replace('"event_id"', '"event\\u005fid"').encode()
    escaped_k5 = json.dumps(view("k5", "someone-else")).replace('"event_id"', '"event\\u005fid"')
    numeric = json.dumps(view("7")).replace('"event_id": "7"', '"event_id": 7').encode()
    nested = {**view("k4"), "properties": {"event_id": "k3"}}
    write_jsonl(
        tmp_path / "landing" / "marketing" / "a.jsonl",
        [
            escaped_k1,             # 1 k1, its key escaped: loads (first)
            view("k1"),             # 2 k1 again, same content: duplicate
            view("k5"),             # 3 k5: loads (first)
            escaped_k5.encode(),    # 4 k5 with other content: conflict
            nested,                 # 5 k4 (k3 only nested): loads
            view("k3"),             # 6 k3: loads, the nested one is not an event_id
            numeric,                # 7 event_id 7 as a number: loads as "7"
            view("7"),              # 8 "7" again, same content: duplicate
        ],
    )  # fmt: skip
    warehouse = tmp_path / "w.duckdb"
    load_all(warehouse, tmp_path / "landing")
    assert table(warehouse, "select event_id, _line_number from raw.marketing_events order by 2") == [
        ("k1", 1), ("k5", 3), ("k4", 5), ("k3", 6), ("7", 7),
    ]  # fmt: skip
    assert [(line, reason) for _, line, reason, _ in quarantined(warehouse)] == [
        (4, "conflicting_event_id")
    ]
    assert ledger(warehouse) == [("marketing/a.jsonl", 8, 5, 2, 1)]


def test_when_the_bulk_reader_fails_the_batch_loads_line_by_line(tmp_path: Path, monkeypatch):
    landing = tmp_path / "landing"
    write_jsonl(landing / "marketing" / "a.jsonl", [view("h1"), b"{", view("h3")])
    write_jsonl(landing / "marketing" / "b.jsonl", [view("h1"), view("h2")])
    expected = tmp_path / "bulk.duckdb"
    load_all(expected, landing)
    # A columns spec read_json rejects stands in for input it gives up on.
    monkeypatch.setattr(bulk, "jsonl_columns", lambda fields: "{'event_id': 'NOT_A_TYPE'}")
    warehouse = tmp_path / "w.duckdb"
    load_all(warehouse, landing)
    assert snapshot(warehouse) == snapshot(expected)
    assert ledger(warehouse) == [
        ("marketing/a.jsonl", 3, 2, 0, 1),
        ("marketing/b.jsonl", 2, 1, 1, 0),
    ]


def test_a_batch_of_csv_and_jsonl_files_numbers_each_file_on_its_own(tmp_path: Path):
    landing = tmp_path / "landing"
    fields = ",".join(contract_fields())
    csv_row = "c1,page_viewed,2025-03-01T10:00:00Z,,anon-1" + "," * (len(contract_fields()) - 5)
    (landing / "marketing").mkdir(parents=True)
    # Sorted first, so the JSON-lines files are the 2nd and 3rd of the batch but the 1st
    # and 2nd the bulk reader reads.
    (landing / "marketing" / "a.csv").write_text(f"{fields}\n{csv_row}\n")
    write_jsonl(landing / "marketing" / "b.jsonl", [view("b1"), b"{oops", view("b3")])
    c1 = {**PAGE_VIEW, "event_id": "c1", "occurred_at": "2025-03-01T10:00:00Z"}
    write_jsonl(landing / "marketing" / "c.jsonl", [b"[]", c1, view("c3")])
    warehouse = tmp_path / "w.duckdb"
    load_all(warehouse, landing)
    assert ledger(warehouse) == [
        ("marketing/a.csv", 1, 1, 0, 0),
        ("marketing/b.jsonl", 3, 2, 0, 1),
        ("marketing/c.jsonl", 3, 1, 1, 1),  # c1 repeats a.csv line 2 with the same content
    ]
    assert table(warehouse, "select event_id, _file_path, _line_number from raw.marketing_events order by 1") == [
        ("b1", "marketing/b.jsonl", 1), ("b3", "marketing/b.jsonl", 3),
        ("c1", "marketing/a.csv", 2), ("c3", "marketing/c.jsonl", 3),
    ]  # fmt: skip
    assert [(path, line, reason) for path, line, reason, _ in quarantined(warehouse)] == [
        ("marketing/b.jsonl", 2, "malformed_record"),
        ("marketing/c.jsonl", 1, "malformed_record"),
    ]


def test_properties_are_stored_as_normalised_json_by_either_path(tmp_path: Path):
    """The bulk reader keeps the JSON text its parser wrote; the line-by-line path (a file
    with a blank line) normalises the text itself. Both store the same, worked out by hand:
    no spaces, numbers as the parser writes them, escapes decoded, duplicate keys kept."""
    written = (
        b'{"a": 1.0, "h": 1E5, "big": 123456789012345678901234567890, '
        b'"s": "\\u00e9 \\"q\\" \\/", "n": [1, 2 , {"f": null}], "dup": 1, "dup": 2}'
    )
    stored = (
        '{"a":1.0,"h":100000.0,"big":123456789012345678901234567890,'
        '"s":"é \\"q\\" /","n":[1,2,{"f":null}],"dup":1,"dup":2}'
    )
    record = json.dumps(view("p1"))[:-1].encode() + b', "properties": ' + written + b"}"
    landing = tmp_path / "landing"
    write_jsonl(landing / "marketing" / "bulk.jsonl", [record])
    write_jsonl(landing / "marketing" / "lines.jsonl", [b"", record.replace(b"p1", b"p2")])
    warehouse = tmp_path / "w.duckdb"
    load_all(warehouse, landing)
    assert table(
        warehouse,
        "select event_id, cast(properties as varchar) from raw.marketing_events order by 1",
    ) == [("p1", stored), ("p2", stored)]
