"""Bad records: each has exactly one defect, is flagged as its kind, and sits after its original."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from itertools import groupby

from tests.sample_data.conftest import Sample
from tests.sample_data.records import CHECK_ORDER, defects, judge, parse_time, read_landing


def test_independent_checks_find_exactly_the_planted_bad_records(jsonl_sample: Sample):
    found = Counter(j.outcome for j in jsonl_sample.judged)
    truth = jsonl_sample.truth
    assert found.pop("load") == truth["valid_events"]
    assert found.pop("duplicate", 0) == truth["duplicates"]
    assert dict(found) == {k: n for k, n in truth["quarantined"].items() if n}


def test_every_kind_is_planted(jsonl_sample: Sample):
    assert set(jsonl_sample.truth["quarantined"]) == set(CHECK_ORDER)
    assert all(n > 0 for n in jsonl_sample.truth["quarantined"].values())
    assert jsonl_sample.truth["duplicates"] > 0


def test_each_readable_bad_record_has_exactly_one_defect(jsonl_sample: Sample):
    for judged in jsonl_sample.judged:
        if judged.outcome in ("load", "duplicate", "conflicting_event_id"):
            assert judged.defects == [], judged.line.raw
        elif judged.line.record is not None:
            assert judged.defects == [judged.outcome], judged.line.raw


def test_lines_with_broken_bytes_are_otherwise_valid_new_events(jsonl_sample: Sample):
    ids = {r["event_id"] for r in jsonl_sample.loaded()}
    broken = [j.line for j in jsonl_sample.judged if j.outcome == "invalid_encoding"]
    assert broken
    for line in broken:
        assert b"\xff\xfe" in line.raw
        record = json.loads(line.raw.replace(b"\xff\xfe", b""))
        assert defects(record, line.stream, datetime.now(UTC)) == []
        assert record["event_id"] not in ids


def test_malformed_lines_are_truncated_json_or_not_an_object(jsonl_sample: Sample):
    for judged in jsonl_sample.judged:
        if judged.outcome == "malformed_record":
            try:
                value = json.loads(judged.line.raw)
            except json.JSONDecodeError:
                continue
            assert not isinstance(value, dict)


def test_each_file_holds_its_loadable_events_in_time_order_before_any_other_line(
    jsonl_sample: Sample,
):
    """So every duplicate and conflict comes after the original the loader must keep."""
    for _, group in groupby(jsonl_sample.judged, key=lambda j: j.line.path):
        lines = list(group)
        loaded = [j.outcome == "load" for j in lines]
        first_other = loaded.index(False) if False in loaded else len(loaded)
        assert not any(loaded[first_other:])
        moments = [parse_time(j.line.record["occurred_at"]) for j in lines[:first_other]]
        assert moments == sorted(moments)


def test_duplicates_are_byte_identical_to_their_original(jsonl_sample: Sample):
    first_line = {}
    for judged in jsonl_sample.judged:
        if judged.outcome == "load":
            first_line[judged.line.record["event_id"]] = judged.line.raw
        elif judged.outcome == "duplicate":
            assert judged.line.raw == first_line[judged.line.record["event_id"]]


def test_no_bad_share_means_no_bad_lines(tmp_path):
    from orchestration.sample_data import generate

    truth = generate(tmp_path, events=1000, seed=2, bad_share=0.0)
    judged = judge(read_landing(tmp_path))
    assert {j.outcome for j in judged} == {"load"}
    assert truth.records_written == truth.valid_events == 1000
