"""Funnel marts on the session sample, against the generator's ground truth.

The ground truth is computed by the generator from the events it made, by construction,
independently of the warehouse: these figures must match exactly.
"""

from __future__ import annotations

import pytest

from orchestration import seeds


def _forward_stages() -> list[str]:
    return [row["stage_key"] for row in seeds.stages() if row["is_exit"].lower() != "true"]


def test_journeys_entering_each_forward_stage_match_ground_truth(warehouse):
    counted = dict(
        warehouse.query(
            "select stage_key, sum(journeys_entered_count) from marts.funnel_conversion_by_cohort"
            " group by stage_key"
        )
    )
    truth = warehouse.ground_truth["journeys_reaching_stage"]
    assert {stage: counted.get(stage, 0) for stage in _forward_stages()} == {
        stage: truth[stage] for stage in _forward_stages()
    }


def test_deals_and_churns_in_sales_outcomes_match_ground_truth(warehouse):
    won, lost, won_amount, churned = warehouse.query(
        "select sum(deals_won_count), sum(deals_lost_count), sum(won_amount_usd),"
        " sum(customers_churned_count) from marts.sales_outcomes"
    )[0]
    truth = warehouse.ground_truth
    assert (won, lost, churned) == (truth["deals_won"], truth["deals_lost"], truth["churns"])
    assert float(won_amount) == pytest.approx(truth["won_amount"], abs=0.005)


def test_campaign_spend_in_unit_economics_matches_ground_truth(warehouse):
    spend = warehouse.scalar(
        "select sum(unit_economics.spend_usd) from marts.unit_economics"
        " inner join marts.dim_stages as roles using (stage_key)"
        " where roles.is_first_stage"
    )
    assert float(spend) == pytest.approx(warehouse.ground_truth["campaign_spend_total"], abs=0.005)
    returns_spend = warehouse.scalar("select sum(spend_usd) from marts.campaign_returns")
    assert float(returns_spend) == pytest.approx(
        warehouse.ground_truth["campaign_spend_total"], abs=0.005
    )


def test_handoff_performance_matches_ground_truth(warehouse):
    handoffs, answered, within_sla, due = warehouse.query(
        "select sum(handoffs_count), sum(answered_count), sum(within_sla_count), sum(due_count)"
        " from marts.handoff_performance"
    )[0]
    truth = warehouse.ground_truth
    assert handoffs == truth["handoffs"]
    assert answered == truth["handoffs_answered_on_time"] + truth["handoffs_answered_late"]
    assert within_sla == truth["handoffs_answered_on_time"]
    assert due - within_sla == truth["handoff_breaches"]
