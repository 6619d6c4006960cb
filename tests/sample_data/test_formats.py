"""CSV and Parquet carry the same valid events as JSONL for the same seed."""

from __future__ import annotations

from collections import Counter

from tests.sample_data.conftest import Sample
from tests.sample_data.records import canonical


def _valid(sample: Sample) -> dict[str, str]:
    return {record["event_id"]: canonical(record) for record in sample.loaded()}


def test_same_valid_events_as_jsonl(jsonl_sample: Sample, other_format_sample: Sample):
    assert _valid(other_format_sample) == _valid(jsonl_sample)


def test_bad_records_match_the_ground_truth(other_format_sample: Sample):
    truth = other_format_sample.truth
    found = Counter(j.outcome for j in other_format_sample.judged)
    assert found.pop("load") == truth["valid_events"]
    assert found.pop("duplicate", 0) == truth["duplicates"]
    assert dict(found) == {k: n for k, n in truth["quarantined"].items() if n}
    assert truth["records_written"] == truth["args"]["events"]


def test_kinds_a_format_cannot_carry_are_reported_as_skipped(other_format_sample: Sample):
    truth = other_format_sample.truth
    skipped = truth["bad_kinds_skipped"]
    assert all(truth["quarantined"][kind] == 0 for kind in skipped)
    expected = {"csv": [], "parquet": ["invalid_encoding", "malformed_record"]}[
        truth["args"]["format"]
    ]
    assert skipped == expected


def test_journey_truth_is_the_same_in_every_format(
    jsonl_sample: Sample, other_format_sample: Sample
):
    ignore = {"args", "files", "quarantined", "duplicates", "bad_kinds_skipped"}
    left = {k: v for k, v in jsonl_sample.truth.items() if k not in ignore}
    right = {k: v for k, v in other_format_sample.truth.items() if k not in ignore}
    assert left == right
