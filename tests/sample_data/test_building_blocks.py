"""Small building blocks of the generator, checked against hand-worked expectations."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pyarrow.compute as pc

from orchestration.sample_data import frame as fr
from orchestration.sample_data.render import amounts, scrambled_ids, timestamps


def test_timestamps_name_the_same_instant_whatever_the_offset():
    epoch = np.array([1735689600, 1735689600, 1751328000, 1767225599])
    offsets = np.array([0, -300, 120, 330], np.int16)
    text = timestamps(epoch, offsets).to_pylist()
    assert text == [
        "2025-01-01T00:00:00Z",
        "2024-12-31T19:00:00-05:00",
        "2025-07-01T02:00:00+02:00",
        "2026-01-01T05:29:59+05:30",
    ]
    parsed = [datetime.fromisoformat(t.replace("Z", "+00:00")).astimezone(UTC) for t in text]
    assert [int(p.timestamp()) for p in parsed] == epoch.tolist()


def test_scrambled_ids_are_unique_and_salted_by_prefix():
    numbers = np.arange(200_000)
    ids = scrambled_ids("evt_", numbers)
    assert len(pc.unique(ids)) == len(numbers)
    assert ids[0].as_py().startswith("evt_") and len(ids[0].as_py()) == 16
    cookie = scrambled_ids("anon_", numbers[:5]).to_pylist()
    contact = scrambled_ids("ctc_", numbers[:5]).to_pylist()
    assert {c[5:] for c in cookie}.isdisjoint(c[4:] for c in contact)


def test_amounts_are_decimal_text_with_two_places():
    assert amounts(np.array([0, 5, 1250, 123456, -1])).to_pylist() == [
        "0.00",
        "0.05",
        "12.50",
        "1234.56",
        None,
    ]


def test_times_inside_a_journey_are_nudged_apart_by_whole_seconds():
    group = np.array([0, 0, 0, 1, 1, 2])
    t = np.array([5, 5, 6, 3, 3, 9])
    assert fr.strictly_increasing(group, t).tolist() == [5, 6, 7, 3, 4, 9]


def test_group_running_sums_restart_per_group():
    group = np.array([0, 0, 1, 1, 1])
    assert fr.group_cumsum(group, np.array([1, 2, 3, 4, 5])).tolist() == [1, 3, 3, 7, 12]
    assert fr.group_cummax(group, np.array([4, 2, -1, 5, 3])).tolist() == [4, 4, -1, 5, 5]
