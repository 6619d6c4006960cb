"""The shared definitions the generator needs, read once from the seeds.

Nothing here repeats a stage name, threshold or SLA number: every value comes from
`seeds/` through `orchestration.seeds`, so the generated ground truth follows the same
definitions the warehouse implements.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from orchestration import seeds

HOUR = 3600
DAY = 24 * HOUR


@dataclass(frozen=True)
class Rules:
    """Seed-derived rules, with event types and reasons indexed for numpy lookups."""

    event_types: tuple[str, ...]
    streams: tuple[str, ...]
    stream_of_type: np.ndarray  # event type code -> stream code
    is_touch: np.ndarray  # event type code -> bool
    is_identifying: np.ndarray
    is_person_level: np.ndarray
    engagement_points: np.ndarray  # event type code -> points (0 when not listed)
    stage_keys: tuple[str, ...]
    stage_of_type: np.ndarray  # event type code -> stage code entered (-1 none)
    type_stage_from_reason: np.ndarray  # event type code -> bool
    lead_stage: str
    mql_stage: str
    recycled_stage: str
    fit_values: dict[str, tuple[str, ...]]  # attribute -> values in seed order
    fit_points: dict[str, np.ndarray]  # attribute -> points per value
    fit_threshold: float
    engagement_threshold: float
    lookback_seconds: int
    handoff_sla_seconds: int
    stage_sla_seconds: dict[str, int]  # from_stage -> SLA seconds
    reason_keys: tuple[str, ...]
    reason_exit_stage: np.ndarray  # reason code -> stage code
    rejection_reasons: np.ndarray  # reason codes of type rejection
    loss_reasons: np.ndarray  # reason codes of type loss
    quarantine_keys: tuple[str, ...]  # in check order
    free_mail_domains: tuple[str, ...]
    earliest_occurred_at: str
    future_tolerance_hours: float

    def code(self, event_type: str) -> int:
        """The integer code of one event type."""
        return self.event_types.index(event_type)

    def codes(self, *event_types: str) -> np.ndarray:
        """Integer codes of several event types."""
        return np.array([self.code(name) for name in event_types], dtype=np.int16)

    def stage_code(self, stage_key: str) -> int:
        """The integer code of one stage key."""
        return self.stage_keys.index(stage_key)

    def entered_by(self, event_type: str) -> str:
        """The stage an event type enters, per the event catalog."""
        return self.stage_keys[int(self.stage_of_type[self.code(event_type)])]

    def sla_after(self, event_type: str) -> int:
        """SLA seconds whose clock starts in the stage entered by `event_type`."""
        return self.stage_sla_seconds[self.entered_by(event_type)]

    def reasons_exiting_to(self, stage_key: str) -> np.ndarray:
        """Rejection reason codes whose exit stage is `stage_key`."""
        stage = self.stage_code(stage_key)
        return self.rejection_reasons[self.reason_exit_stage[self.rejection_reasons] == stage]


def _flag(value: str) -> bool:
    return value.strip().lower() == "true"


@cache
def load_rules() -> Rules:
    """Read every rule the generator needs from the seeds."""
    catalog = seeds.event_catalog()
    event_types = tuple(catalog)
    streams = tuple(dict.fromkeys(row["stream"] for row in catalog.values()))
    stage_rows = seeds.stages()
    stage_keys = tuple(row["stage_key"] for row in stage_rows)

    def stage_or_none(name: str) -> int:
        return stage_keys.index(name) if name else -1

    points = {
        row["event_type"]: int(row["points"]) for row in seeds.read_seed("lead_engagement_points")
    }
    fit_values: dict[str, list[str]] = {}
    fit_points: dict[str, list[int]] = {}
    for row in seeds.read_seed("lead_fit_points"):
        fit_values.setdefault(row["attribute"], []).append(row["attribute_value"])
        fit_points.setdefault(row["attribute"], []).append(int(row["points"]))

    rule = seeds.lead_rule()

    def triggered_by(trigger: str) -> str:
        (stage,) = [row["stage_key"] for row in stage_rows if row["entry_trigger"] == trigger]
        return stage

    (recycled_stage,) = [row["stage_key"] for row in stage_rows if _flag(row["starts_new_cycle"])]

    sla_rows = seeds.read_seed("stage_slas")
    (handoff_sla,) = [
        float(row["sla_hours"])
        for row in sla_rows
        if row["clock_starts_event_type"] == "lead_handed_off"
    ]
    reasons = seeds.reasons()
    reason_keys = tuple(reasons)
    limits = seeds.ingestion_limits()
    quarantine = sorted(
        seeds.read_seed("quarantine_reasons"), key=lambda row: int(row["check_order"])
    )

    return Rules(
        event_types=event_types,
        streams=streams,
        stream_of_type=np.array(
            [streams.index(catalog[t]["stream"]) for t in event_types], np.int8
        ),
        is_touch=np.array([_flag(catalog[t]["is_touch"]) for t in event_types]),
        is_identifying=np.array([_flag(catalog[t]["is_identifying"]) for t in event_types]),
        is_person_level=np.array([_flag(catalog[t]["is_person_level"]) for t in event_types]),
        engagement_points=np.array([points.get(t, 0) for t in event_types], np.int64),
        stage_keys=stage_keys,
        stage_of_type=np.array(
            [stage_or_none(catalog[t]["enters_stage"]) for t in event_types], np.int16
        ),
        type_stage_from_reason=np.array(
            [_flag(catalog[t]["stage_from_reason"]) for t in event_types]
        ),
        lead_stage=triggered_by("identification"),
        mql_stage=triggered_by("lead_rule"),
        recycled_stage=recycled_stage,
        fit_values={key: tuple(values) for key, values in fit_values.items()},
        fit_points={key: np.array(values, np.int64) for key, values in fit_points.items()},
        fit_threshold=float(rule["fit_threshold"]),
        engagement_threshold=float(rule["engagement_threshold"]),
        lookback_seconds=int(float(rule["engagement_lookback_days"]) * DAY),
        handoff_sla_seconds=int(handoff_sla * HOUR),
        stage_sla_seconds={
            row["from_stage"]: int(float(row["sla_hours"]) * HOUR)
            for row in sla_rows
            if row["from_stage"]
        },
        reason_keys=reason_keys,
        reason_exit_stage=np.array(
            [stage_keys.index(reasons[r]["exit_stage"]) for r in reason_keys], np.int16
        ),
        rejection_reasons=np.array(
            [i for i, r in enumerate(reason_keys) if reasons[r]["reason_type"] == "rejection"],
            np.int16,
        ),
        loss_reasons=np.array(
            [i for i, r in enumerate(reason_keys) if reasons[r]["reason_type"] == "loss"], np.int16
        ),
        quarantine_keys=tuple(row["reason_key"] for row in quarantine),
        free_mail_domains=tuple(row["domain"] for row in seeds.read_seed("free_mail_domains")),
        earliest_occurred_at=limits["earliest_occurred_at"],
        future_tolerance_hours=float(limits["future_tolerance_hours"]),
    )
