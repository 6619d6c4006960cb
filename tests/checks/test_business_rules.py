"""Agreed business rules on planted data: each rule reports exactly the breaches planted.

One small warehouse with a known number of breaches per rule and one clean warehouse, each
built once per module with the real loader and `dbt build`; dbt tests, the breach mart and
the Great Expectations suites must all report the hand-counted numbers.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from expectations.runner import validate_table
from expectations.suites import suite_specs
from tests.checks import planted

BUSINESS_RULES = [
    "handoff_lead_rule_met", "mql_handed_off", "handoff_response_sla", "rejection_reason_allowed",
    "stage_sla", "opportunity_from_accepted_lead", "won_deal_has_amount",
]  # fmt: skip


def _breaches_by_rule(database: Path) -> dict[str, int]:
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.execute(
            "select rule_key, count(*) from quality.rule_breaches group by rule_key"
        ).fetchall()
    return {rule: 0 for rule in BUSINESS_RULES} | dict(rows)


def _dbt_failures_by_rule(database: Path) -> dict[str, int]:
    failures = planted.dbt_test_failures(database)
    return {rule: failures[f"rule_is_kept_rule_evaluations_{rule}"] for rule in BUSINESS_RULES}


@pytest.fixture(scope="module")
def business(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    landing, expected = planted.business_landing()
    database = planted.load_landing(landing, tmp_path_factory.mktemp("business_rules"))
    planted.plant_won_without_amount(database)
    build = planted.run_dbt(database, "build")
    assert build.returncode == 0, build.stdout[-3000:]
    return database, expected


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    database = planted.load_landing(planted.clean_landing(), tmp_path_factory.mktemp("clean"))
    build = planted.run_dbt(database, "build")
    assert build.returncode == 0, build.stdout[-3000:]
    return database


def test_breach_mart_counts_each_planted_breach(business: tuple[Path, dict[str, int]]) -> None:
    database, expected = business
    assert _breaches_by_rule(database) == expected


def test_dbt_tests_warn_with_each_planted_breach(business: tuple[Path, dict[str, int]]) -> None:
    database, expected = business
    assert _dbt_failures_by_rule(database) == expected


def test_failing_rows_are_stored_for_anyone_to_see(business: tuple[Path, dict[str, int]]) -> None:
    database, expected = business
    with duckdb.connect(str(database), read_only=True) as con:
        stored = con.execute(
            "select count(*) from audit.rule_is_kept_rule_evaluations_handoff_response_sla"
        ).fetchone()[0]
    assert stored == expected["handoff_response_sla"]


def test_clean_data_has_no_breaches(clean: Path) -> None:
    assert _breaches_by_rule(clean) == dict.fromkeys(BUSINESS_RULES, 0)
    assert _dbt_failures_by_rule(clean) == dict.fromkeys(BUSINESS_RULES, 0)


def test_compliance_counts_add_up(business: tuple[Path, dict[str, int]]) -> None:
    database, expected = business
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.execute(
            "select rule_key, sum(breach_count), sum(evaluated_count), min(compliance_rate), "
            "max(compliance_rate) from quality.rule_compliance_daily group by rule_key"
        ).fetchall()
    for rule, breaches, evaluated, lowest, highest in rows:
        assert breaches == expected[rule]
        assert evaluated >= breaches
        assert 0 <= lowest <= highest <= 1


def test_handoff_breach_says_how_late(business: tuple[Path, dict[str, int]]) -> None:
    """The late answer came 1.5 x SLA after the handoff: 0.5 x SLA hours over."""
    database, _ = business
    sla = float(planted.handoff_sla()["sla_hours"])
    with duckdb.connect(str(database), read_only=True) as con:
        (size,) = con.execute(
            "select breach_size from quality.rule_breaches where rule_key = 'handoff_response_sla' "
            "and breach_detail like 'answered%'"
        ).fetchone()
    assert size == pytest.approx(0.5 * sla)


@pytest.mark.parametrize(
    "spec", [s for s in suite_specs() if not s.is_blocking], ids=lambda s: s.name
)
def test_expectation_suites_count_each_planted_breach(
    spec, business: tuple[Path, dict[str, int]], clean: Path
) -> None:
    database, expected = business
    outcome = validate_table(spec, database)
    assert not any(o.error for o in outcome.outcomes)
    for rule, failing in outcome.failing_rows_by_rule().items():
        assert failing == expected[rule], rule
    clean_outcome = validate_table(spec, clean)
    assert clean_outcome.success, clean_outcome.failed
