"""Read the shared definitions (dbt seeds) from Python.

The seeds are the single source of truth for stage names, rules, thresholds and SLAs.
Python code never repeats those values: it reads them here.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from orchestration.paths import SEEDS_DIR


def read_seed(name: str, seeds_dir: Path = SEEDS_DIR) -> list[dict[str, str]]:
    """All rows of `seeds/<name>.csv` as dictionaries of strings."""
    with (seeds_dir / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@cache
def event_catalog() -> dict[str, dict[str, str]]:
    """The event catalog keyed by event type."""
    return {row["event_type"]: row for row in read_seed("event_catalog")}


def required_fields(event_type: str) -> list[str]:
    """The fields the catalog requires for one event type (beyond the contract's own)."""
    value = event_catalog()[event_type]["required_fields"]
    return [field for field in value.split("|") if field]


@cache
def stages() -> list[dict[str, str]]:
    """The funnel stages in stage order."""
    return sorted(read_seed("funnel_stages"), key=lambda row: int(row["stage_order"]))


@cache
def lead_rule() -> dict[str, str]:
    """The single row of the agreed lead rule."""
    (row,) = read_seed("lead_rule")
    return row


@cache
def sla_hours() -> dict[str, float]:
    """SLA hours keyed by SLA key."""
    return {row["sla_key"]: float(row["sla_hours"]) for row in read_seed("stage_slas")}


@cache
def reasons() -> dict[str, dict[str, str]]:
    """Rejection and loss reasons keyed by reason key."""
    return {row["reason_key"]: row for row in read_seed("reasons")}


@cache
def quarantine_reason_keys() -> frozenset[str]:
    """The reasons a loaded record may be quarantined for."""
    return frozenset(row["reason_key"] for row in read_seed("quarantine_reasons"))


@cache
def ingestion_limits() -> dict[str, str]:
    """Ingestion limits (earliest accepted timestamp, future tolerance) keyed by limit key."""
    return {row["limit_key"]: row["limit_value"] for row in read_seed("ingestion_limits")}
