"""On the session's sample data, what the checks report equals the generator's ground truth
(handoff breaches, unqualified handoffs, MQLs never handed off, bad records)."""

from __future__ import annotations

import re

import pytest

from expectations.runner import docs_dir_beside, validate_table
from expectations.suites import suite_specs

pytestmark = pytest.mark.slow


def _breaches(warehouse, rule_key: str) -> int:
    return warehouse.scalar(
        "select count(*) from quality.rule_breaches where rule_key = ?", [rule_key]
    )


def test_handoff_breaches_match_ground_truth(warehouse) -> None:
    truth = warehouse.ground_truth
    assert warehouse.scalar("select count(*) from quality.handoff_responses") == truth["handoffs"]
    assert _breaches(warehouse, "handoff_response_sla") == truth["handoff_breaches"]
    late, unanswered = warehouse.query(
        "select count(*) filter (where is_answered and is_sla_breached), "
        "count(*) filter (where not is_answered) from quality.handoff_responses"
    )[0]
    assert (late, unanswered) == (truth["handoffs_answered_late"], truth["handoffs_unanswered"])


def test_unqualified_handoffs_match_ground_truth(warehouse) -> None:
    assert (
        _breaches(warehouse, "handoff_lead_rule_met")
        == warehouse.ground_truth["unqualified_handoffs"]
    )


def test_mqls_never_handed_off_match_ground_truth(warehouse) -> None:
    assert _breaches(warehouse, "mql_handed_off") == warehouse.ground_truth["mqls_never_handed_off"]


def test_bad_records_match_ground_truth(warehouse) -> None:
    """Every bad record was quarantined with its reason, so the raw integrity suites pass."""
    quarantined = dict(
        warehouse.query("select reason, count(*) from raw.quarantined_records group by reason")
    )
    assert quarantined == {k: v for k, v in warehouse.ground_truth["quarantined"].items() if v}
    for spec in suite_specs():
        if spec.is_blocking:
            assert validate_table(spec, warehouse.database).success, spec.name


def test_gx_suites_agree_with_the_breach_mart(warehouse) -> None:
    (handoffs,) = [s for s in suite_specs() if s.name == "handoff_agreement"]
    outcome = validate_table(handoffs, warehouse.database)
    assert (
        outcome.failing_rows_by_rule()["handoff_response_sla"]
        == warehouse.ground_truth["handoff_breaches"]
    )
    assert (
        outcome.failing_rows_by_rule()["handoff_lead_rule_met"]
        == warehouse.ground_truth["unqualified_handoffs"]
    )


def test_job_built_the_gx_data_docs(warehouse) -> None:
    """Each check validated with a GX context of its own: the site still lists them all."""
    index = (docs_dir_beside(warehouse.database) / "index.html").read_text()
    linked = set(re.findall(r"validations/(\w+)/__none__/", index))
    assert linked == {spec.name for spec in suite_specs()}
