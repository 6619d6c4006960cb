"""Cleaning a text field skips `trim` where it cannot change the value; it must still
give exactly what `nullif(trim(x), '')` gives, for every kind of space at either end.
The UTC time of `occurred_at` is checked against Python's reading of the same text."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from orchestration.ingest.readers import _cleaned, staged_columns

# Every character DuckDB's trim removes (Unicode category Zs), and some it keeps.
SPACES = [" ", "\u00a0", "\u1680", *(chr(c) for c in range(0x2000, 0x200B)), "\u202f", "\u205f", "\u3000"]  # fmt: skip
KEPT = ["\t", "\n", "\u180e", "\u200b"]


def test_cleaned_text_equals_trimmed_text_with_empty_as_null():
    values = ["", "a", "a b", "é", "naïve", None]
    for char in SPACES + KEPT:
        values += [char, char + "a", "a" + char, char + "é" + char, char * 2]
    con = duckdb.connect()
    cleaned, trimmed = con.execute(
        f"select list({_cleaned('x')} order by i), list(nullif(trim(x), '') order by i) "
        "from (select unnest(?) as x, unnest(range(len(?))) as i)",
        [values, values],
    ).fetchone()
    assert cleaned == trimmed
    # The reference really trims: every Zs character is removed, the others are kept.
    assert [con.execute("select trim(?)", [c + "a" + c]).fetchone()[0] for c in SPACES] == [
        "a"
    ] * len(SPACES)
    assert [con.execute("select trim(?)", [c + "a"]).fetchone()[0] for c in KEPT] == [
        c + "a" for c in KEPT
    ]


def test_occurred_at_in_utc_is_the_wall_time_at_offset_zero():
    """The staged UTC time reads the instant's epoch microseconds; it must be the wall time
    at offset zero that Python works out from the same text."""
    texts = [
        "2025-03-01T10:00:00Z",
        "2025-03-01T10:00:00+02:00",
        "2025-03-01 01:30:00-0530",
        "2025-03-01T00:00:00.123456+14:00",
        "2024-12-31T23:59:59.5-12:00",
        "2016-12-31T23:59:59Z",
        "1900-01-01T00:00:00+01:00",
    ]
    expected = [
        datetime.fromisoformat(t.replace(" ", "T")).astimezone(UTC).replace(tzinfo=None)
        for t in texts
    ]
    (expression,) = [
        e for name, _, e in staged_columns(("occurred_at",)) if name == "occurred_at_utc"
    ]
    (staged,) = (
        duckdb.connect()
        .execute(
            f"select list({expression} order by i) "
            "from (select unnest(?) as occurred_at, unnest(range(len(?))) as i)",
            [texts, texts],
        )
        .fetchone()
    )
    assert staged == expected
