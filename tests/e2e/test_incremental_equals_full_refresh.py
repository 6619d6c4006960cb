"""Incremental builds of the journey fact table (and the identities) equal a full refresh.

The generated landing files arrive in three drops: the first half of the year with some
events held back, then the second half, then the held-back events (late arrivals for old
dates) together with replays of already-loaded events (duplicates). After each drop the
loader and an incremental `dbt build` run. The result must equal one full refresh over
everything.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.loader import load_all
from orchestration.sample_data import generate
from tests.dbt_runner import dbt

FACT_COLUMNS = "* exclude (loaded_at, derived_at)"
# The journey chain and its two incremental marts, with their tests.
JOURNEY = ["build", "--select", "+fct_customer_journey", "+fct_journey_stage_entries", "--indirect-selection", "cautious",
           "--exclude", "test_type:unit"]  # fmt: skip


def split_landing(source: Path, drops: list[Path], seed: int = 3) -> None:
    """Write the source files as three drops (new files each time, nothing rewritten)."""
    rng = random.Random(seed)
    files = sorted(p for p in source.rglob("*.jsonl"))
    months = sorted({p.parent.name for p in files})
    first_half = set(months[: len(months) // 2])
    late: dict[str, list[bytes]] = {}
    replays: dict[str, list[bytes]] = {}
    for path in files:
        stream = path.relative_to(source).parts[0]
        lines = [line for line in path.read_bytes().splitlines() if line.strip()]
        if path.parent.name in first_half:
            keep, held = [], []
            for line in lines:
                (held if rng.random() < 0.05 else keep).append(line)
            late.setdefault(stream, []).extend(held)
            replays.setdefault(stream, []).extend(rng.sample(keep, min(20, len(keep))))
            target = drops[0]
        else:
            keep = lines
            target = drops[1]
        out = target / path.relative_to(source)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(b"\n".join(keep) + b"\n")
    for stream in late:
        out = drops[2] / stream / "late" / "late-and-replayed.jsonl"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(b"\n".join(late[stream] + replays[stream]) + b"\n")


# A CRM contact whose first email changes with a late event, and a cookie linked to the
# person only through that contact: the first drop gives the contact an email on 10 Feb and
# links the cookie to the contact (no email) on 5 Feb; the late drop brings a form fill with
# another email on 3 Feb. The contact, and with it the cookie, are then that earlier email.
PLANTED_CONTACT = "planted-contact"
PLANTED_COOKIE = "planted-cookie"
FIRST_EMAIL_SEEN = "later@planted.example"
FIRST_EMAIL_LATE = "earlier@planted.example"


def _planted(event_id: str, event_type: str, occurred_at: str, **fields: str) -> bytes:
    record = {"event_id": event_id, "event_type": event_type, "occurred_at": occurred_at}
    return json.dumps(record | fields).encode()


def plant_late_first_email(drops: list[Path]) -> None:
    """Add the planted contact's events to the first and the late drop (new files)."""
    early = drops[0] / "marketing" / "planted" / "first-email.jsonl"
    early.parent.mkdir(parents=True, exist_ok=True)
    early.write_bytes(
        _planted("planted-cookie-link", "page_viewed", "2025-02-05T09:00:00Z",
                 anonymous_id=PLANTED_COOKIE, contact_id=PLANTED_CONTACT)
        + b"\n"
        + _planted("planted-email-seen", "form_submitted", "2025-02-10T09:00:00Z",
                   contact_id=PLANTED_CONTACT, email=FIRST_EMAIL_SEEN)
        + b"\n"
    )  # fmt: skip
    late = drops[2] / "marketing" / "planted" / "late-first-email.jsonl"
    late.parent.mkdir(parents=True, exist_ok=True)
    late.write_bytes(
        _planted("planted-email-late", "form_submitted", "2025-02-03T09:00:00Z",
                 contact_id=PLANTED_CONTACT, email=FIRST_EMAIL_LATE)
        + b"\n"
    )  # fmt: skip


def planted_identities(database: Path) -> dict[str, str]:
    """The person identity of the planted contact and cookie."""
    with duckdb.connect(str(database), read_only=True) as con:
        return dict(
            con.execute(
                "select identifier_type, person_identity from intermediate.int_identities_resolved"
                " where identifier_value in (?, ?)",
                [PLANTED_CONTACT, PLANTED_COOKIE],
            ).fetchall()
        )


def scope_of_last_run(database: Path) -> tuple[int, bool, int]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(
            """
            select
                (select count(*) from intermediate.int_journeys_scoped),
                (select bool_or(is_full_build) from intermediate.int_journeys_scoped),
                (select count(distinct journey_key) from marts.fct_customer_journey)
            """
        ).fetchone()


def fact_rows(database: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(database), read_only=True) as con:
        return {
            "journey": con.execute(
                f"select {FACT_COLUMNS} from marts.fct_customer_journey order by event_id"
            ).fetchall(),
            "entries": con.execute(
                "select * from marts.fct_journey_stage_entries order by stage_entry_id"
            ).fetchall(),
            # The load times differ between the two warehouses (loaded separately).
            "identities": con.execute(
                "select * exclude (last_loaded_at) from intermediate.int_identities_resolved"
                " order by identifier_type, identifier_value"
            ).fetchall(),
        }


@pytest.mark.slow
def test_incremental_runs_with_late_and_duplicate_events_equal_a_full_refresh(tmp_path: Path):
    source = tmp_path / "generated"
    generate(source, events=3000, seed=11)
    drops = [tmp_path / f"drop{i}" for i in range(3)]
    split_landing(source, drops)
    plant_late_first_email(drops)

    landing = tmp_path / "landing"
    incremental = tmp_path / "incremental.duckdb"
    for number, drop in enumerate(drops):
        for path in drop.rglob("*.jsonl"):
            out = landing / path.relative_to(drop)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(path.read_bytes())
        load_all(incremental, landing)
        dbt(JOURNEY, incremental)
        scoped, full_build, journeys = scope_of_last_run(incremental)
        if number == 0:
            assert full_build and scoped == journeys
            seen = f"email:{FIRST_EMAIL_SEEN}"
            assert planted_identities(incremental) == {"contact": seen, "anonymous": seen}
        else:
            # Only the journeys the drop touched were re-derived.
            assert not full_build and 0 < scoped < journeys
    late_lines = sum(1 for _ in (drops[2]).rglob("*.jsonl"))
    assert late_lines > 0

    full = tmp_path / "full.duckdb"
    load_all(full, landing)
    dbt(JOURNEY, full)

    late = f"email:{FIRST_EMAIL_LATE}"
    assert planted_identities(incremental) == {"contact": late, "anonymous": late}
    expected = fact_rows(full)
    assert len(expected["journey"]) > 1000
    found = fact_rows(incremental)
    assert found["journey"] == expected["journey"]
    assert found["entries"] == expected["entries"]
    assert found["identities"] == expected["identities"]
