"""The bench's split into history and the day's delivery reads days as the loader does."""

from __future__ import annotations

import pytest

from bench.datasets import _occurred_day


@pytest.mark.parametrize(
    ("line", "day"),
    [
        # 18:38 at UTC-8 is 02:38 the next UTC day: the loader stores it on the 27th.
        (b'{"occurred_at":"2025-12-26T18:38:59-08:00"}', b"2025-12-27"),
        (b'{"occurred_at":"2025-12-26T18:38:59Z"}', b"2025-12-26"),
        (b'{"occurred_at":"2025-12-27T01:00:00+02:00"}', b"2025-12-26"),
        # Unreadable timestamps keep their leading date, or none.
        (b'{"occurred_at":"2025-13-45 99:00"}', b"2025-13-45"),
        (b'{"occurred_at":"yesterday"}', None),
        (b'{"event_id":"e1"}', None),
    ],
)
def test_occurred_day_is_the_utc_day(line: bytes, day: bytes | None) -> None:
    assert _occurred_day(line) == day
