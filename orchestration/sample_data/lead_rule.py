"""The stage rules for lead and MQL, evaluated in bulk on generated events.

Used twice: while generating (to place handoffs after each person's real MQL moment) and
for the ground truth on the final events. It follows the stated definitions exactly:

* lead: the first identifying event (form fill), or the first marketing touch that carries
  an email or a contact id;
* MQL: the first event time t at or after the lead where the fit score (latest known
  firmographics) meets the fit threshold and the engagement points of the person's events in
  (t - look-back, t] meet the engagement threshold. After a recycling rejection only
  engagement after the rejection counts, and meeting the rule again is a return (a new
  cycle). Nothing counts after a terminal rejection.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from orchestration.sample_data import frame as fr
from orchestration.sample_data.rules import Rules


@dataclass(frozen=True)
class LeadRuleResult:
    """Lead moments per entity and MQL entries (one per cycle in which the rule was met)."""

    lead_t: np.ndarray  # per entity; -1: never a lead
    mql_entity: np.ndarray
    mql_t: np.ndarray
    mql_cycle: np.ndarray  # 0 for the first journey cycle, 1 after the first recycle, ...
    event_cycle: np.ndarray  # per event of the sorted frame


def sort_by_journey(frame: fr.Frame) -> fr.Frame:
    """Events ordered by entity, then time (then generation order)."""
    return fr.take(frame, np.lexsort((np.arange(fr.size(frame)), frame["t"], frame["entity"])))


def fit_scores(rules: Rules, frame: fr.Frame, n_entities: int) -> np.ndarray:
    """Fit points per entity from the latest form that reported firmographics (0 if none)."""
    reported = np.flatnonzero(frame["industry"] >= 0)
    entity = frame["entity"][reported]
    last = reported[np.r_[entity[1:] != entity[:-1], True]] if len(reported) else reported
    fit = np.zeros(n_entities, np.int64)
    fit[frame["entity"][last]] = (
        rules.fit_points["industry"][frame["industry"][last]]
        + rules.fit_points["company_size"][frame["company_size"][last]]
        + rules.fit_points["seniority"][frame["seniority"][last]]
    )
    return fit


def recycle_and_exit(rules: Rules, frame: fr.Frame) -> tuple[np.ndarray, np.ndarray]:
    """Per event: is it a rejection into the recycled stage, into another (terminal) exit."""
    etype = frame["etype"]
    reason = frame["reason"]
    has_exit = rules.type_stage_from_reason[etype] & (reason >= 0)
    exit_stage = np.where(has_exit, rules.reason_exit_stage[np.maximum(reason, 0)], -1)
    recycled = exit_stage == rules.stage_code(rules.recycled_stage)
    return recycled, (exit_stage >= 0) & ~recycled


def evaluate(rules: Rules, frame: fr.Frame, n_entities: int) -> LeadRuleResult:
    """Lead and MQL moments of every entity; `frame` must be sorted by journey."""
    entity, t, etype = frame["entity"], frame["t"], frame["etype"]
    n = len(t)
    lookback = rules.lookback_seconds

    lead_event = rules.is_identifying[etype] | (
        rules.is_touch[etype] & (frame["email"] | frame["contact"])
    )
    first_lead = np.flatnonzero(lead_event)
    first_lead = first_lead[fr.group_starts(entity[first_lead])]
    lead_t = np.full(n_entities, -1, np.int64)
    lead_t[entity[first_lead]] = t[first_lead]

    recycled, terminal = recycle_and_exit(rules, frame)
    cycle = fr.group_cumsum(entity, recycled.astype(np.int64))
    last_recycle = fr.group_cummax(entity, np.where(recycled, t, -lookback - 1))
    closed = fr.group_cumsum(entity, terminal.astype(np.int64)) > 0

    # Engagement in (max(t - look-back, last recycle), t] via prefix sums within each entity.
    points = rules.engagement_points[etype]
    prefix = np.concatenate([[0], np.cumsum(points)])
    base = (t.min() if n else 0) - lookback - 1
    band = (t.max() if n else 0) - base + 1
    key = entity * band + (t - base)
    low = np.maximum(t - lookback, last_recycle)
    first_inside = np.searchsorted(key, entity * band + (low - base), side="right")
    engagement = prefix[np.arange(n) + 1] - prefix[first_inside]

    fit = fit_scores(rules, frame, n_entities)
    lead_of_event = lead_t[entity]
    eligible = (
        (lead_of_event >= 0)
        & (t >= lead_of_event)
        & (fit[entity] >= rules.fit_threshold)
        & (engagement >= rules.engagement_threshold)
        & ~closed
    )
    hits = np.flatnonzero(eligible)
    pair = entity[hits] * (int(cycle.max(initial=0)) + 1) + cycle[hits]
    first = hits[fr.group_starts(pair)]
    return LeadRuleResult(
        lead_t=lead_t,
        mql_entity=entity[first],
        mql_t=t[first],
        mql_cycle=cycle[first],
        event_cycle=cycle,
    )
