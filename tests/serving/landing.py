"""A small hand-written landing batch: one new journey, so the marts change when it loads."""

from __future__ import annotations

import json
from pathlib import Path

EXTRA_BATCH = {
    "marketing": [
        {"event_id": "serving-test-m1", "event_type": "page_viewed", "occurred_at": "2025-04-03T08:00:00Z", "anonymous_id": "serving-test-a1"},
        {"event_id": "serving-test-m2", "event_type": "form_submitted", "occurred_at": "2025-04-03T08:10:00Z", "anonymous_id": "serving-test-a1", "email": "ann@serving-test.example", "properties": {"industry": "software", "seniority": "vp"}},
    ],
    "sales": [
        {"event_id": "serving-test-s1", "event_type": "lead_accepted", "occurred_at": "2025-04-04T09:00:00Z", "email": "ann@serving-test.example", "owner_id": "serving-test-o1"},
    ],
}  # fmt: skip


def write_batch(landing: Path, batch: dict[str, list[dict]], name: str) -> None:
    for stream, events in batch.items():
        path = landing / stream / f"{name}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(event) + "\n" for event in events), encoding="utf-8")
