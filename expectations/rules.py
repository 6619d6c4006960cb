"""What the suites need from the shared definitions, read from the seeds (never literals)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from orchestration import seeds


@dataclass(frozen=True)
class Rule:
    """One row of the data_quality_rules seed."""

    rule_key: str
    rule_type: str
    severity: str
    description: str

    @property
    def is_blocking(self) -> bool:
        return self.severity == "error"


@cache
def data_quality_rules() -> dict[str, Rule]:
    """The agreed data rules keyed by rule key."""
    return {row["rule_key"]: Rule(**row) for row in seeds.read_seed("data_quality_rules")}


def _flag(value: str) -> bool:
    return value.strip().lower() == "true"


@cache
def handoff_sla() -> dict[str, str]:
    """The SLA clocked from an event: the handoff of a lead to sales."""
    (row,) = [row for row in seeds.read_seed("stage_slas") if row["clock_starts_event_type"]]
    return row


def stage_slas() -> dict[str, float]:
    """Hours per SLA clocked from a stage entry, keyed by SLA key."""
    return {
        row["sla_key"]: float(row["sla_hours"])
        for row in seeds.read_seed("stage_slas")
        if not row["clock_starts_event_type"]
    }


def allowed_rejection_reasons() -> list[str]:
    """Reasons whose exit stage is an allowed exit from the handed-off stage."""
    handoff_stage = handoff_sla()["from_stage"]
    exits = {
        row["to_stage"]
        for row in seeds.read_seed("stage_transitions")
        if row["from_stage"] == handoff_stage and row["transition_type"] == "exit"
    }
    return sorted(key for key, row in seeds.reasons().items() if row["exit_stage"] in exits)


def won_event_types() -> list[str]:
    """Event types that win a deal: opportunity-level events entering the forward stage
    after the first forward stage opportunity-level events enter."""
    stages = {row["stage_key"]: row for row in seeds.stages()}
    opportunity_level = {
        event_type: row["enters_stage"]
        for event_type, row in seeds.event_catalog().items()
        if "opportunity_id" in seeds.required_fields(event_type) and row["enters_stage"]
    }
    forward = [s for s in opportunity_level.values() if not _flag(stages[s]["is_exit"])]
    opportunity_stage = min(forward, key=lambda s: int(stages[s]["stage_order"]))
    won_stages = {
        row["to_stage"]
        for row in seeds.read_seed("stage_transitions")
        if row["from_stage"] == opportunity_stage and row["transition_type"] == "forward"
    }
    return sorted(t for t, stage in opportunity_level.items() if stage in won_stages)


def stream_event_types(stream: str) -> list[str]:
    """Event types the catalog puts in one stream."""
    return sorted(t for t, row in seeds.event_catalog().items() if row["stream"] == stream)


def ingestion_limits() -> tuple[str, float]:
    """Earliest accepted occurred_at and the future tolerance in hours."""
    limits = seeds.ingestion_limits()
    return limits["earliest_occurred_at"], float(limits["future_tolerance_hours"])
