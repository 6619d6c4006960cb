"""The ground truth adds up, and matches a slow reference worked out from the written files."""

from __future__ import annotations

import pytest

from tests.sample_data.conftest import Sample
from tests.sample_data.records import CATALOG
from tests.sample_data.reference import STAGES, expected_truth


def test_records_add_up(jsonl_sample: Sample):
    truth = jsonl_sample.truth
    assert truth["records_written"] == truth["args"]["events"]
    assert truth["records_written"] == truth["valid_events"] + truth["duplicates"] + sum(
        truth["quarantined"].values()
    )
    assert truth["records_written"] == sum(truth["files"].values()) == len(jsonl_sample.judged)
    assert sum(truth["events_by_stream"].values()) == truth["valid_events"]
    assert sum(truth["events_by_type"].values()) == truth["valid_events"]
    assert set(truth["events_by_type"]) == set(CATALOG)


def test_files_listed_are_the_files_written(jsonl_sample: Sample):
    written = {
        p.relative_to(jsonl_sample.landing).as_posix(): len(p.read_bytes().splitlines())
        for stream in ("marketing", "sales")
        for p in (jsonl_sample.landing / stream).rglob("*.jsonl")
    }
    assert written == jsonl_sample.truth["files"]


def test_handoff_counts_add_up(jsonl_sample: Sample):
    truth = jsonl_sample.truth
    assert truth["handoffs"] == truth["events_by_type"]["lead_handed_off"]
    assert truth["handoffs"] == (
        truth["handoffs_answered_on_time"]
        + truth["handoffs_answered_late"]
        + truth["handoffs_unanswered"]
    )
    assert (
        truth["handoff_breaches"] == truth["handoffs_answered_late"] + truth["handoffs_unanswered"]
    )
    assert sum(truth["rejections_by_reason"].values()) == truth["events_by_type"]["lead_rejected"]
    assert truth["mql_entries"] == truth["mql_people"] + truth["recycled_returns"]


def test_every_stage_is_reported(jsonl_sample: Sample):
    assert list(jsonl_sample.truth["journeys_reaching_stage"]) == STAGES


def test_marketing_funnel_narrows_stage_by_stage(jsonl_sample: Sample):
    reached = jsonl_sample.truth["marketing_journeys_reaching_stage"]
    chain = [reached[s] for s in ("lead", "mql", "sal", "sql", "opportunity", "customer")]
    assert chain == sorted(chain, reverse=True)
    assert chain[-1] > 0
    assert reached["customer"] >= reached["churned"]


def test_sales_sourced_journeys_never_enter_marketing_stages(jsonl_sample: Sample):
    truth = jsonl_sample.truth
    reached = truth["sales_sourced_journeys_reaching_stage"]
    assert reached["lead"] == reached["mql"] == 0
    assert (
        truth["sales_sourced_journeys"]
        == truth["sales_sourced_people"] + truth["personless_opportunities"]
        > 0
    )


def test_scenarios_the_warehouse_must_handle_are_present(larger_sample: Sample):
    truth = larger_sample.truth
    for key in (
        "recycled_returns",
        "unqualified_handoffs",
        "mqls_never_handed_off",
        "handoffs_answered_late",
        "handoffs_unanswered",
        "renewals",
        "churns",
        "anonymous_never_identified",
        "people_with_stitched_anonymous_history",
        "personless_opportunities",
    ):
        assert truth[key] > 0, key


@pytest.mark.parametrize("sample_name", ["jsonl_sample", "larger_sample"])
def test_journey_truth_matches_a_reference_computed_from_the_files(
    sample_name: str, request: pytest.FixtureRequest
):
    sample: Sample = request.getfixturevalue(sample_name)
    expected = expected_truth(sample.loaded())
    assert {key: sample.truth[key] for key in expected} == expected
