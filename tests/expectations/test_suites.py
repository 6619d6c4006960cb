"""The Great Expectations suites on hand-made DataFrames: each kind of planted defect is
reported with exactly the number of failing rows planted; clean data passes."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import pytest

from expectations import rules
from expectations.runner import validate
from expectations.suites import suite_specs
from orchestration import seeds

LOADED_AT = datetime(2025, 3, 10, 12, 0)
DAY = timedelta(days=1)
MARKETING_TYPE = rules.stream_event_types("marketing")[0]
FILLERS = {"owner_id": "owner-1", "opportunity_id": "opp-1", "amount": 10.0, "currency": "EUR",
           "reason": "any", "campaign_id": "cmp-1", "channel": "email", "content_id": "cnt-1",
           "email": "a@b.com"}  # fmt: skip


def spec(name: str):
    (found,) = [s for s in suite_specs() if s.name == name]
    return found


def raw_rows(stream: str) -> list[dict]:
    """One valid event of every type of the stream, with its required fields filled in."""
    _, tolerance = rules.ingestion_limits()
    rows = []
    for number, event_type in enumerate(rules.stream_event_types(stream)):
        row = {column: None for column in FILLERS}
        row |= {field: FILLERS[field] for field in seeds.required_fields(event_type)}
        row |= {
            "event_id": f"{stream}-{number}",
            "event_type": event_type,
            "occurred_at": LOADED_AT - timedelta(days=1),
            "latest_accepted_at": LOADED_AT + timedelta(hours=tolerance),
        }
        rows.append(row)
    return rows


@pytest.mark.parametrize("stream", ["marketing", "sales"])
def test_clean_raw_events_pass(stream: str) -> None:
    outcome = validate(spec(f"raw_{stream}_events_integrity"), pd.DataFrame(raw_rows(stream)))
    assert outcome.success, outcome.failed
    assert not outcome.blocks


def test_each_raw_defect_is_counted() -> None:
    earliest, tolerance = rules.ingestion_limits()
    rows = raw_rows("sales")
    valid = rows[0]
    with_amount = next(r for r in rows if "amount" in seeds.required_fields(r["event_type"]))
    planted = [
        {**valid, "event_id": "dup"}, {**valid, "event_id": "dup"},  # 2 rows share an id
        {**valid, "event_id": "unknown", "event_type": "page_scrolled"},  # not in the catalog
        {**valid, "event_id": "wrong-stream", "event_type": MARKETING_TYPE},
        {**valid, "event_id": "ancient", "occurred_at": datetime.fromisoformat(earliest) - DAY},
        {**valid, "event_id": "future", "occurred_at": LOADED_AT + timedelta(hours=tolerance + 1)},
        {**with_amount, "event_id": "no-amount", "amount": None},  # required field missing
        {**with_amount, "event_id": "negative", "amount": -5.0},
    ]  # fmt: skip
    outcome = validate(spec("raw_sales_events_integrity"), pd.DataFrame(rows + planted))
    assert outcome.failing_rows_by_rule() == {
        "event_id_unique": 2,
        "event_type_in_catalog": 2,
        "occurred_at_in_range": 2,
        "required_fields_present": 1,
        "amount_non_negative": 1,
    }
    assert outcome.blocks
    samples = {o.rule_key: o.sample for o in outcome.failed}
    assert sorted(samples["event_id_unique"]) == ["dup", "dup"]
    assert samples["amount_non_negative"] == ["negative"]


def handoff_rows() -> list[dict]:
    sla = float(rules.handoff_sla()["sla_hours"])
    allowed = rules.allowed_rejection_reasons()[0]
    base = {"met_lead_rule_at_handoff": True, "response_hours": sla / 2, "answer_event_id": "a",
            "is_due": True, "is_rejection": False, "answer_reason": None}  # fmt: skip
    return [
        {**base, "handoff_event_id": "h1"},
        {**base, "handoff_event_id": "h2", "is_rejection": True, "answer_reason": allowed},
        {**base, "handoff_event_id": "h3", "response_hours": sla},  # exactly on time
        {
            **base,
            "handoff_event_id": "h4",
            "answer_event_id": None,
            "response_hours": None,
            "is_due": False,
        },  # not due yet
    ]


def test_handoff_suite_counts_each_breach() -> None:
    sla = float(rules.handoff_sla()["sla_hours"])
    loss = next(k for k, row in seeds.reasons().items() if row["reason_type"] == "loss")
    rows = handoff_rows()
    base = rows[0]
    planted = [
        {**base, "handoff_event_id": "unfit", "met_lead_rule_at_handoff": False},
        {**base, "handoff_event_id": "late", "response_hours": sla + 0.5},
        {**base, "handoff_event_id": "ignored", "answer_event_id": None, "response_hours": None},
        {**base, "handoff_event_id": "bad-reason", "is_rejection": True, "answer_reason": loss},
    ]
    suite = spec("handoff_agreement")
    assert validate(suite, pd.DataFrame(rows)).success
    outcome = validate(suite, pd.DataFrame(rows + planted))
    assert outcome.failing_rows_by_rule() == {
        "handoff_lead_rule_met": 1, "handoff_response_sla": 2, "rejection_reason_allowed": 1,
    }  # fmt: skip
    assert not outcome.blocks and not suite.is_blocking


def test_stage_sla_suite_reads_each_sla_from_the_seed() -> None:
    slas = rules.stage_slas()
    rows = [
        {"stage_entry_id": f"{key}-ok", "sla_key": key, "hours_in_stage": hours}
        for key, hours in slas.items()
    ]
    late = [
        {"stage_entry_id": f"{key}-late", "sla_key": key, "hours_in_stage": hours + 1}
        for key, hours in slas.items()
    ]
    suite = spec("stage_sla_agreement")
    assert validate(suite, pd.DataFrame(rows)).success
    assert validate(suite, pd.DataFrame(rows + late)).failing_rows_by_rule() == {
        "stage_sla": len(slas)
    }


def test_suites_only_name_rules_of_the_seed() -> None:
    known = rules.data_quality_rules()
    for suite in suite_specs():
        assert suite.rule_keys() <= set(known)
        assert suite.is_blocking == any(known[k].severity == "error" for k in suite.rule_keys())


def test_an_expectation_that_errors_fails_the_suite() -> None:
    """The silent trap: an expectation that raises (here a missing column) must not pass."""
    frame = pd.DataFrame(handoff_rows()).drop(columns=["response_hours"])
    outcome = validate(spec("handoff_agreement"), frame)
    assert not outcome.success
    assert any(o.error for o in outcome.failed)


def test_data_docs_are_built(tmp_path) -> None:
    docs = tmp_path / "gx_data_docs"
    validate(spec("handoff_agreement"), pd.DataFrame(handoff_rows()), docs)
    assert (docs / "index.html").exists()
