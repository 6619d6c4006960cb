"""Every quarantine reason the loader's checks can give is one the seed defines."""

from __future__ import annotations

import csv

import pytest

from orchestration.ingest import validation
from orchestration.ingest.contract import contract_fields
from orchestration.paths import SEEDS_DIR

LOADED_AT = "2026-01-01 00:00:00"


def seed_reason_keys() -> set[str]:
    with (SEEDS_DIR / "quarantine_reasons.csv").open(newline="") as handle:
        return {row["reason_key"] for row in csv.DictReader(handle)}


def test_the_checks_give_exactly_the_seeds_reasons():
    cases = validation.check_reasons(contract_fields(), "marketing", LOADED_AT)
    given = {key for key, _, _ in cases} | {validation.CONFLICT_REASON}
    assert given == seed_reason_keys()


def test_a_reason_missing_from_the_seed_stops_the_load(monkeypatch: pytest.MonkeyPatch):
    # The seed as it would read with one reason deleted from the CSV.
    monkeypatch.setattr(
        validation,
        "quarantine_reason_keys",
        lambda: frozenset(seed_reason_keys() - {"invalid_amount"}),
    )
    with pytest.raises(ValueError, match="invalid_amount"):
        validation.check_reasons(contract_fields(), "marketing", LOADED_AT)
