"""Read landing files back, and judge each record with simple checks written from the seeds.

Deliberately independent of the generator: it reads the contract and seed CSVs itself and
classifies records in the loader's order (sorted paths, file order, first occurrence wins).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyarrow.parquet as pq

from orchestration.paths import CONTRACTS_DIR, SEEDS_DIR

CONTRACT = json.loads((CONTRACTS_DIR / "raw_event.schema.json").read_text(encoding="utf-8"))
FIELDS = tuple(CONTRACT["properties"])
TIMESTAMP = re.compile(CONTRACT["properties"]["occurred_at"]["pattern"])
PERSON_IDS = ("anonymous_id", "email", "contact_id")


def seed(name: str) -> list[dict[str, str]]:
    with (SEEDS_DIR / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


CATALOG = {row["event_type"]: row for row in seed("event_catalog")}
CHECK_ORDER = [
    row["reason_key"]
    for row in sorted(seed("quarantine_reasons"), key=lambda r: int(r["check_order"]))
]
LIMITS = {row["limit_key"]: row["limit_value"] for row in seed("ingestion_limits")}


@dataclass
class Line:
    """One record as written: where it is, its bytes, and the record if it could be read."""

    path: str  # relative to the landing directory
    number: int
    raw: bytes
    record: dict | None  # None: not readable as a record (encoding or syntax)
    unreadable: str | None = None  # the reason key when record is None

    @property
    def stream(self) -> str:
        return self.path.split("/")[0]


def _present(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and value.strip() == "")


def _jsonl_lines(path: Path, rel: str) -> list[Line]:
    lines = []
    for number, raw in enumerate(path.read_bytes().split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            lines.append(Line(rel, number, raw, None, "invalid_encoding"))
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError:
            record = None
        if not isinstance(record, dict) or not isinstance(
            record.get("properties", {}), dict | None
        ):
            lines.append(Line(rel, number, raw, None, "malformed_record"))
        else:
            lines.append(Line(rel, number, raw, record))
    return lines


def _csv_lines(path: Path, rel: str) -> list[Line]:
    raw_lines = path.read_bytes().split(b"\n")
    header = next(csv.reader([raw_lines[0].decode("utf-8")]))
    lines = []
    for number, raw in enumerate(raw_lines[1:], start=2):
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            lines.append(Line(rel, number, raw, None, "invalid_encoding"))
            continue
        record = {
            k: (v if v != "" else None)
            for k, v in zip(header, next(csv.reader(io.StringIO(text))), strict=True)
        }
        try:
            properties = json.loads(record["properties"]) if record.get("properties") else None
        except json.JSONDecodeError:
            properties = "not json"
        if properties is not None and not isinstance(properties, dict):
            lines.append(Line(rel, number, raw, None, "malformed_record"))
            continue
        record["properties"] = properties
        lines.append(Line(rel, number, raw, record))
    return lines


def _parquet_lines(path: Path, rel: str) -> list[Line]:
    lines = []
    for number, row in enumerate(pq.read_table(path).to_pylist(), start=1):
        if row.get("properties") is not None:
            row["properties"] = dict(row["properties"])
        lines.append(Line(rel, number, json.dumps(row, sort_keys=True).encode(), row))
    return lines


READERS = {".jsonl": _jsonl_lines, ".csv": _csv_lines, ".parquet": _parquet_lines}


def read_landing(landing: Path) -> list[Line]:
    """Every record of the marketing/ and sales/ trees, in sorted path order then file order."""
    paths = sorted(p for stream in ("marketing", "sales") for p in (landing / stream).rglob("*.*"))
    lines: list[Line] = []
    for path in paths:
        lines += READERS[path.suffix](path, path.relative_to(landing).as_posix())
    return lines


def parse_time(text: str) -> datetime | None:
    """The UTC instant of an ISO-8601 timestamp with offset; None if it is not one."""
    if not isinstance(text, str) or not TIMESTAMP.match(text):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else None


def defects(record: dict, stream: str, now: datetime) -> list[str]:
    """Every quarantine reason (except conflicts) that applies to a readable record."""
    found = []
    event_type = record.get("event_type")
    entry = CATALOG.get(event_type) if _present(event_type) else None
    required = list(CONTRACT["required"])
    if entry:
        required += [f for f in entry["required_fields"].split("|") if f]
    if any(not _present(record.get(f)) for f in required):
        found.append("missing_required_field")
    if _present(event_type) and entry is None:
        found.append("unknown_event_type")
    if entry and entry["stream"] != stream:
        found.append("wrong_stream")
    if (
        entry
        and entry["is_person_level"] == "true"
        and not any(_present(record.get(f)) for f in PERSON_IDS)
    ):
        found.append("missing_identity")
    moment = parse_time(record.get("occurred_at")) if _present(record.get("occurred_at")) else None
    if _present(record.get("occurred_at")) and moment is None:
        found.append("invalid_timestamp")
    earliest = datetime.fromisoformat(LIMITS["earliest_occurred_at"]).replace(tzinfo=UTC)
    tolerance = timedelta(hours=float(LIMITS["future_tolerance_hours"]))
    if moment is not None and not earliest <= moment <= now + tolerance:
        found.append("timestamp_out_of_range")
    if _present(record.get("amount")):
        try:
            Decimal(str(record["amount"]).strip())
        except InvalidOperation:
            found.append("invalid_amount")
    return found


def canonical(record: dict) -> str:
    """Content of a record for duplicate/conflict comparison: present fields, amounts as numbers."""
    content = {}
    for field in FIELDS:
        value = record.get(field)
        if not _present(value) and not isinstance(value, dict):
            continue
        if field == "amount":
            try:
                value = str(Decimal(str(value)).normalize())
            except InvalidOperation:
                value = str(value)
        content[field] = value
    return json.dumps(content, sort_keys=True)


@dataclass
class Judged:
    line: Line
    outcome: str  # "load", "duplicate" or a quarantine reason key
    defects: list[str]


def judge(lines: list[Line], now: datetime | None = None) -> list[Judged]:
    """Outcome of every line, as the loader must decide it."""
    now = now or datetime.now(UTC)
    first_content: dict[str, str] = {}
    judged = []
    for line in lines:
        if line.record is None:
            judged.append(Judged(line, line.unreadable or "malformed_record", []))
            continue
        found = defects(line.record, line.stream, now)
        if found:
            judged.append(Judged(line, min(found, key=CHECK_ORDER.index), found))
            continue
        content = canonical(line.record)
        event_id = line.record["event_id"]
        if event_id not in first_content:
            first_content[event_id] = content
            judged.append(Judged(line, "load", found))
        elif first_content[event_id] == content:
            judged.append(Judged(line, "duplicate", found))
        else:
            judged.append(Judged(line, "conflicting_event_id", found))
    return judged
