"""Benchmark data: the sample generator's files, split into a history and one day's arrivals.

The generator writes one file per stream and month. For the incremental run we hold back
about 1% of the JSONL records as a new day's delivery: every record of the last
`NEW_DAYS` days (the day's new data) plus a deterministic `LATE_SHARE` of older records
(late-arriving events, whose occurred_at lies months back and whose journeys already
exist). The rest is the history loaded first. Records are moved as raw bytes, bad ones
included, so the loader sees exactly what the generator wrote.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

NEW_DAYS = 5
LATE_SHARE = 1 / 250
DAILY_FOLDER = "daily"
_OCCURRED = re.compile(rb'"occurred_at":"([^"]*)"')
_DAY = re.compile(rb"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Split:
    """Where the history and the day's delivery are, and how many records each holds."""

    history: Path  # landing dir holding the history only
    daily: Path  # landing dir holding the history (hard links) and the day's new files
    history_records: int
    new_records: int
    late_records: int

    def as_dict(self) -> dict[str, object]:
        return {
            "history_records": self.history_records,
            "new_records": self.new_records,
            "late_records": self.late_records,
            "increment_share": round(
                (self.new_records + self.late_records)
                / max(1, self.history_records + self.new_records + self.late_records),
                4,
            ),
        }


def generator_command(python: str, events: int, seed: int, out: Path, fmt: str) -> list[str]:
    return [
        python, "-m", "orchestration.sample_data",
        "--events", str(events), "--seed", str(seed), "--out", str(out), "--format", fmt,
    ]  # fmt: skip


def _cutoff(generated: Path) -> bytes:
    args = json.loads((generated / "_ground_truth.json").read_text())["args"]
    end = date.fromisoformat(args["start"]) + timedelta(days=args["days"])
    return (end - timedelta(days=NEW_DAYS)).isoformat().encode()


# Records never held back as late: an opportunity created after its own later events is an
# integrity defect the checks rightly stop on, not the ordinary lateness measured here.
_NEVER_LATE = (b'"opportunity_created"',)


def _is_late(line: bytes) -> bool:
    if any(marker in line for marker in _NEVER_LATE):
        return False
    return zlib.crc32(line) % round(1 / LATE_SHARE) == 0


def _occurred_day(line: bytes) -> bytes | None:
    """The UTC day a record occurred on, as the loader will read it: a timestamp with an
    offset (`...T18:38:59-08:00`) can fall on the next UTC day. None when unreadable."""
    found = _OCCURRED.search(line)
    if not found:
        return None
    try:
        moment = datetime.fromisoformat(found.group(1).decode())
    except ValueError:  # a bad timestamp: its leading date decides, if it has one
        return found.group(1)[:10] if _DAY.match(found.group(1)) else None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.date().isoformat().encode()


def split_jsonl(generated: Path, out: Path) -> Split:
    """Write `out/history` and `out/daily` from a generated JSONL landing directory."""
    cutoff = _cutoff(generated)
    history, daily = out / "history", out / "daily"
    shutil.rmtree(out, ignore_errors=True)
    counts = {"history": 0, "new": 0, "late": 0}
    for source in sorted(generated.glob("*/*/*.jsonl")):
        relative = source.relative_to(generated)
        stream = relative.parts[0]
        target = history / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        held = daily / stream / DAILY_FOLDER / "events.jsonl"
        held.parent.mkdir(parents=True, exist_ok=True)
        with source.open("rb") as lines, target.open("wb") as kept, held.open("ab") as moved:
            for line in lines:
                day = _occurred_day(line)
                if day is not None and day >= cutoff:
                    moved.write(line)
                    counts["new"] += 1
                elif day is not None and _is_late(line):
                    moved.write(line)
                    counts["late"] += 1
                else:
                    kept.write(line)
                    counts["history"] += 1
        linked = daily / relative
        linked.parent.mkdir(parents=True, exist_ok=True)
        os.link(target, linked)
    return Split(history, daily, counts["history"], counts["new"], counts["late"])
