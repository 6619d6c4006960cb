"""Open items are measured again on every run, with no new event of their own.

A handoff nobody answered, a stage clock still running and a journey's current SLA clock
depend on the end of the data (the latest event). The incremental models keep them by
journey, so this plants journeys that get no new event on the second day while the end of
the data moves past their deadlines, and one journey whose stage changes:

- "waiting": handed off half an SLA before the first day's end, never answered. Not due on
  day one; on day two (one handoff SLA later) breached by half an SLA, and stalled.
- "accepted": accepted on day one and never qualified: its SAL clock runs. Over the SAL SLA
  by a day on day one, by a day plus one handoff SLA on day two.
- "moving": accepted like "accepted", stalled on day one; qualified on day two, so it leaves
  stalled_journeys.

Expected hours are worked out from the seeds' SLAs. The day-two incremental build must also
equal a full refresh of the same data.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.loader import load_all
from tests.checks import planted

SLA = float(planted.handoff_sla()["sla_hours"])
SAL_SLA = planted.stage_sla_hours(planted.entered_by(planted.ACCEPT))
ACCEPTED_AT = 4.0
# Day one ends a day after the SAL SLA of the journeys accepted at ACCEPTED_AT ran out.
DAY_ONE_END = ACCEPTED_AT + SAL_SLA + 24
# "waiting" is handed off half a handoff SLA before the end of day one.
WAITING_HANDOFF = DAY_ONE_END - SLA / 2
DAY_TWO_END = DAY_ONE_END + SLA
BUILD = ["build", "--select", "+stalled_journeys", "+rule_breaches", "+rule_compliance_daily",
         "--indirect-selection", "cautious", "--exclude-resource-type", "unit_test"]  # fmt: skip
# The models measured to the end of the data, with their keys (a deterministic order).
MEASURED = {
    "quality.handoff_responses": "handoff_event_id",
    "quality.stage_sla_clocks": "stage_entry_id",
    "quality.rule_evaluations": "evaluation_id",
    "quality.rule_breaches": "breach_id",
    "quality.rule_compliance_daily": "compliance_day_id",
    "marts.stalled_journeys": "journey_key",
    "intermediate.int_journeys_clocked": "journey_key",
    "intermediate.int_rule_evaluations_settled": "rule_key, entity_id",
}


def _day_one() -> planted.Landing:
    landing = planted.Landing()
    for email, owner in (("accepted@acme.com", "owner-acc"), ("moving@acme.com", "owner-move")):
        landing.lead(email, 0, qualified=True)
        landing.event(planted.handoff_sla()["clock_starts_event_type"], 3, email=email,
                      owner_id=owner)  # fmt: skip
        landing.event(planted.ACCEPT, ACCEPTED_AT, email=email, owner_id=owner)
    landing.lead("waiting@acme.com", WAITING_HANDOFF - 1, qualified=True)
    landing.event(planted.handoff_sla()["clock_starts_event_type"], WAITING_HANDOFF,
                  email="waiting@acme.com", owner_id="owner-wait")  # fmt: skip
    planted.end_of_data(landing, DAY_ONE_END)
    return landing


def _day_two(counter: int) -> planted.Landing:
    landing = planted.Landing(counter=counter)
    landing.event(planted.MEETING, DAY_ONE_END + 1, email="moving@acme.com",
                  owner_id="owner-move")  # fmt: skip
    landing.event("page_viewed", DAY_TWO_END, anonymous_id="visitor-day-two")
    return landing


def _add_day(landing: planted.Landing, root: Path, day: str) -> None:
    """Write one day's events as new files under the landing folder (nothing rewritten)."""
    written = landing.write(root / "staging" / day)
    for path in written.rglob("*.jsonl"):
        stream = path.relative_to(written).parts[0]
        out = root / "landing" / stream / day / path.name
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, out)


def _load_and_build(root: Path, database: Path, *extra: str) -> None:
    load_all(database, root / "landing")
    build = planted.run_dbt(database, *BUILD, *extra)
    assert build.returncode == 0, build.stdout[-3000:]


def _query(database: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).fetchall()


def _by_owner(database: Path) -> dict[str, dict[str, object]]:
    """What each planted journey shows, keyed by its owner."""
    handoffs = _query(
        database,
        "select owner_id, is_due, is_sla_breached, hours_over_sla, journey_key"
        " from quality.handoff_responses",
    )
    clocks = _query(
        database,
        "select owner_id, hours_in_stage, is_sla_breached, hours_over_sla"
        " from quality.stage_sla_clocks where not has_left_stage",
    )
    stalled = _query(database, "select owner_id, hours_over_sla from marts.stalled_journeys")
    breaches = _query(
        database,
        "select owner_id, rule_key, breach_size from quality.rule_breaches"
        " where rule_key in ('handoff_response_sla', 'stage_sla')",
    )
    return {
        "handoff": {owner: rest for owner, *rest in handoffs},
        "running_clock": {owner: rest for owner, *rest in clocks},
        "stalled": dict(stalled),
        "breach": {(owner, rule): size for owner, rule, size in breaches},
    }


@pytest.fixture(scope="module")
def days(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("open_items")
    database = root / "incremental" / "warehouse.duckdb"
    database.parent.mkdir()
    day_one = _day_one()
    _add_day(day_one, root, "day1")
    _load_and_build(root, database)
    first = _by_owner(database)
    _add_day(_day_two(day_one.counter), root, "day2")
    _load_and_build(root, database)
    scoped = {
        key
        for (key,) in _query(database, "select journey_key from intermediate.int_journeys_scoped")
    }
    full = root / "full" / "warehouse.duckdb"
    full.parent.mkdir()
    shutil.copyfile(database, full)
    _load_and_build(root, full, "--full-refresh")
    return {"first": first, "second": _by_owner(database), "scoped": scoped,
            "incremental": database, "full": full}  # fmt: skip


def test_unanswered_handoff_becomes_breached_as_the_end_of_the_data_moves(days):
    first, second = days["first"], days["second"]
    is_due, breached, over, journey = first["handoff"]["owner-wait"]
    assert (is_due, breached, over) == (False, False, None)
    assert ("owner-wait", "handoff_response_sla") not in first["breach"]
    # No event of its own on day two: its journey was not re-derived.
    assert journey not in days["scoped"]
    is_due, breached, over, _ = second["handoff"]["owner-wait"]
    assert (is_due, breached) == (True, True)
    assert over == pytest.approx(SLA / 2)
    assert second["breach"][("owner-wait", "handoff_response_sla")] == pytest.approx(SLA / 2)


def test_running_stage_clock_is_measured_to_the_new_end(days):
    first, second = days["first"], days["second"]
    hours, breached, over = first["running_clock"]["owner-acc"]
    assert breached and hours == pytest.approx(DAY_ONE_END - ACCEPTED_AT)
    assert over == pytest.approx(24)
    hours, breached, over = second["running_clock"]["owner-acc"]
    assert breached and hours == pytest.approx(DAY_TWO_END - ACCEPTED_AT)
    assert over == pytest.approx(24 + SLA)
    assert first["breach"][("owner-acc", "stage_sla")] == pytest.approx(24)
    assert second["breach"][("owner-acc", "stage_sla")] == pytest.approx(24 + SLA)


def test_stalled_journeys_follow_the_end_of_the_data_and_stage_changes(days):
    first, second = days["first"], days["second"]
    assert first["stalled"] == pytest.approx({"owner-acc": 24, "owner-move": 24})
    # "moving" was qualified (a new stage, its clock far from its SLA); "waiting" has been
    # waiting for an answer longer than the handoff SLA, with no new event of its own.
    assert second["stalled"] == pytest.approx({"owner-acc": 24 + SLA, "owner-wait": SLA / 2})
    # The moving journey's SAL clock stopped when it was qualified; its SQL clock runs.
    hours, breached, over = second["running_clock"]["owner-move"]
    assert (hours, breached, over) == (pytest.approx(DAY_TWO_END - DAY_ONE_END - 1), False, None)


@pytest.mark.parametrize("table", MEASURED)
def test_day_two_equals_a_full_refresh(days, table):
    order = MEASURED[table]
    expected = _query(days["full"], f"select * from {table} order by {order}")
    assert expected
    assert _query(days["incremental"], f"select * from {table} order by {order}") == expected
