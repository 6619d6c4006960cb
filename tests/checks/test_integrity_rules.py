"""Integrity rules on planted data: each dbt integrity test reports exactly the defects
planted, and a failing integrity test stops the marts from being rebuilt."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration import seeds
from tests.checks import planted

INTEGRITY_TESTS = {
    "event_id_unique": "assert_event_ids_unique_across_streams",
    "event_type_in_catalog": "assert_event_types_in_catalog_stream",
    "occurred_at_in_range": "assert_occurred_at_in_range",
    "amount_non_negative": "assert_amounts_non_negative",
    "opportunity_event_known": "assert_opportunity_events_known",
    "deal_closed_once": "assert_deals_closed_once",
    "deal_won_after_journey_start": "assert_deals_won_after_journey_start",
    "journey_never_backwards": "assert_journeys_never_go_backwards",
    "stage_entries_ordered": "assert_stage_entries_ordered",
}


def integrity_landing() -> planted.Landing:
    """Opportunities with one defect each, that the loader lets through."""
    landing = planted.Landing()
    loss = planted.reasons_of("loss")[0]
    opp = {"owner_id": "owner-1", "account_id": "acc-1"}
    landing.event(planted.CREATE, 1, opportunity_id="opp-negative", **opp)
    landing.event(planted.WIN, 2, opportunity_id="opp-negative", amount=-100, currency="EUR", **opp)
    landing.event(planted.CREATE, 1, opportunity_id="opp-twice", **opp)
    landing.event(planted.WIN, 2, opportunity_id="opp-twice", amount=100, currency="EUR", **opp)
    landing.event("deal_lost", 3, opportunity_id="opp-twice", reason=loss, **opp)
    landing.event(planted.CREATE, 10, opportunity_id="opp-early", **opp)
    landing.event(planted.WIN, 5, opportunity_id="opp-early", amount=100, currency="EUR", **opp)
    landing.event("opportunity_stage_changed", 4, opportunity_id="opp-ghost", **opp)
    landing.event("page_viewed", 1, anonymous_id="visitor-1")
    return landing


def plant_raw_defects(database: Path) -> None:
    """Defects the loader would quarantine, written straight into the raw log: an event id
    in both streams, an event type not in the catalog, a date before the earliest allowed."""
    with duckdb.connect(str(database)) as con:
        (page_view,) = con.execute("select event_id from raw.marketing_events").fetchone()
        base = f"from raw.marketing_events where event_id = '{page_view}'"
        sales_id = con.execute("select min(event_id) from raw.sales_events").fetchone()[0]
        con.execute(
            f"insert into raw.marketing_events select * replace ('{sales_id}' as event_id) {base}"
        )
        con.execute(f"insert into raw.marketing_events select * replace ('ev-unknown' as event_id, "
                    f"'page_scrolled' as event_type) {base}")  # fmt: skip
        con.execute(f"insert into raw.marketing_events select * replace ('ev-ancient' as event_id, "
                    f"timestamp '2000-01-01' as occurred_at) {base}")  # fmt: skip


def plant_stage_entries(database: Path) -> None:
    """Replace the derived stage entries with journeys that break the journey rules:
    A moves back from SAL to MQL in one cycle (backwards, and out of order);
    B recycles and returns as an MQL in a new cycle (allowed);
    C enters lead after MQL in time, in sequence order (out of order only)."""
    order = {row["stage_key"]: int(row["stage_order"]) for row in seeds.stages()}
    rows = [
        ("A", 1, 1, "lead", 1), ("A", 1, 2, "sal", 2), ("A", 1, 3, "mql", 3),
        ("B", 1, 1, "lead", 1), ("B", 1, 2, "mql", 2), ("B", 1, 3, "recycled", 3),
        ("B", 2, 4, "mql", 4),
        ("C", 1, 1, "lead", 5), ("C", 1, 2, "mql", 4),
    ]  # fmt: skip
    with duckdb.connect(str(database)) as con:
        con.execute("delete from intermediate.int_stage_entries_derived")
        for journey, cycle, sequence, stage, hours in rows:
            con.execute(
                "insert into intermediate.int_stage_entries_derived by name select "
                "? as journey_key, ? as journey_cycle, ? as event_sequence_number, ? as event_id, "
                "cast(? as timestamp) as entered_at, ? as stage_key, ? as stage_order, "
                "1 as stage_occurrence_number",
                [
                    journey,
                    cycle,
                    sequence,
                    f"{journey}{sequence}",
                    planted.at(hours)[:19],
                    stage,
                    order[stage],
                ],
            )


EXPECTED = {
    "event_id_unique": 1,
    "event_type_in_catalog": 1,
    "occurred_at_in_range": 1,
    "amount_non_negative": 1,
    "opportunity_event_known": 1,
    "deal_closed_once": 1,
    "deal_won_after_journey_start": 1,
    "journey_never_backwards": 1,  # A: sal -> mql
    "stage_entries_ordered": 2,  # A: mql after sal; C: lead after mql
}


@pytest.fixture(scope="module")
def integrity(tmp_path_factory: pytest.TempPathFactory) -> Path:
    database = planted.load_landing(integrity_landing(), tmp_path_factory.mktemp("integrity"))
    plant_raw_defects(database)
    return database


def test_integrity_tests_count_each_planted_defect(integrity: Path) -> None:
    # Models only (no tests, so nothing is skipped). The marts may fail on the planted
    # defects; the layers the tests read are built.
    planted.run_dbt(integrity, "build", "--exclude", "resource_type:test")
    statuses = planted.dbt_statuses(integrity)
    assert statuses["model.revenue_funnel.int_stage_entries_derived"] == "success"
    planted.run_dbt(integrity, "test", "--select", "tag:integrity")
    failures = planted.dbt_test_failures(integrity)
    found = {rule: failures[test] for rule, test in INTEGRITY_TESTS.items()}
    plant_stage_entries(integrity)
    planted.run_dbt(
        integrity,
        "test",
        "--select",
        "assert_journeys_never_go_backwards assert_stage_entries_ordered",
    )
    failures = planted.dbt_test_failures(integrity)
    for rule in ("journey_never_backwards", "stage_entries_ordered"):
        found[rule] = failures[INTEGRITY_TESTS[rule]]
    assert found == EXPECTED


def test_failing_integrity_test_stops_the_marts(tmp_path: Path) -> None:
    """Only a negative amount planted: dbt build fails and no mart is built."""
    landing = planted.Landing()
    landing.event(planted.CREATE, 1, opportunity_id="opp-1", owner_id="owner-1")
    landing.event(
        planted.WIN, 2, opportunity_id="opp-1", owner_id="owner-1", amount=-1, currency="EUR"
    )
    database = planted.load_landing(landing, tmp_path)
    build = planted.run_dbt(database, "build")
    assert build.returncode != 0
    statuses = {
        r_id.split(".")[2]: status for r_id, status in planted.dbt_statuses(database).items()
    }
    assert statuses["assert_amounts_non_negative"] == "fail"
    assert statuses["fct_customer_journey"] == "skipped"
    assert statuses["rule_breaches"] == "skipped"


def test_clean_data_passes_every_integrity_test(tmp_path: Path) -> None:
    database = planted.load_landing(planted.clean_landing(), tmp_path)
    assert planted.run_dbt(database, "build", "--exclude", "resource_type:test").returncode == 0
    test = planted.run_dbt(database, "test", "--select", "tag:integrity")
    assert test.returncode == 0, test.stdout[-3000:]
    failures = planted.dbt_test_failures(database)
    assert {rule: failures[t] for rule, t in INTEGRITY_TESTS.items()} == dict.fromkeys(
        INTEGRITY_TESTS, 0
    )
