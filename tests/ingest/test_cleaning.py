"""Cleaning a text field skips `trim` where it cannot change the value; it must still
give exactly what `nullif(trim(x), '')` gives, for every kind of space at either end."""

from __future__ import annotations

import duckdb

from orchestration.ingest.readers import _cleaned

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
