"""A load killed in the middle leaves nothing half-done: the rerun finishes the work.

Files are committed in batches; a small batch size makes several batches of these files,
so the kill lands after one batch committed and while the next is under way.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from orchestration.ingest.loader import load_all
from tests.ingest.test_loader import snapshot, table

FILES = 12
EVENTS_PER_FILE = 20_000


def write_landing(root: Path) -> int:
    """Files of distinct page views; returns how many events were written."""
    for number in range(FILES):
        path = root / "marketing" / f"part-{number:03d}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w") as handle:
            for row in range(EVENTS_PER_FILE):
                event = {
                    "event_id": f"k-{number}-{row}",
                    "event_type": "page_viewed",
                    "occurred_at": f"2025-01-{1 + row % 28:02d}T{row % 24:02d}:00:00Z",
                    "anonymous_id": f"anon-{row % 997}",
                }
                handle.write(json.dumps(event) + "\n")
    return FILES * EVENTS_PER_FILE


def test_killed_load_reruns_to_the_same_warehouse_as_an_uninterrupted_one(tmp_path: Path):
    landing = tmp_path / "landing"
    written = write_landing(landing)
    file_mb = (landing / "marketing" / "part-000.jsonl").stat().st_size / (1 << 20)
    killed = tmp_path / "killed.duckdb"
    process = subprocess.Popen(
        [sys.executable, "-m", "orchestration.ingest", "--landing", str(landing), "--warehouse", str(killed)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "FUNNEL_INGEST_BATCH_MB": str(2.5 * file_mb)},  # two files a batch
    )  # fmt: skip
    assert process.stdout is not None
    first = json.loads(process.stdout.readline())  # one batch committed, the next under way
    assert first["status"] == "loaded"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()

    # A batch stopped between its two transactions leaves unfinished records, not counted.
    partial = table(
        killed,
        "select count(*) from raw.marketing_events "
        "where _load_id not in (select load_id from raw.unfinished_loads)",
    )[0][0]
    assert 0 < partial < written, "the kill must land in the middle of the load"
    assert partial % EVENTS_PER_FILE == 0, "only whole files are committed"

    load_all(killed, landing)
    reference = tmp_path / "reference.duckdb"
    load_all(reference, landing)
    assert table(killed, "select count(*), count(distinct event_id) from raw.marketing_events") == [
        (written, written)
    ]
    assert snapshot(killed) == snapshot(reference)
    assert table(killed, "select count(*) from raw.load_ledger where status = 'loaded'") == [(FILES,)]  # fmt: skip
