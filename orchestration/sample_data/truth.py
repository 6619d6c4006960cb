"""Ground truth of one sample, computed from the generator's own events.

Journeys are known by construction (every event carries its entity), so nothing here
resolves identities or reads files back: it applies the stage definitions of the seeds to
the generated events and counts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from orchestration.sample_data import frame as fr
from orchestration.sample_data import lead_rule
from orchestration.sample_data.rules import Rules
from orchestration.sample_data.world import MARKETING_KINDS, SALES_SOURCED_KINDS, Entities, Kind


@dataclass(frozen=True)
class GroundTruth:
    """Everything a test of the warehouse needs to know about one generated sample."""

    args: dict[str, Any]
    records_written: int
    valid_events: int
    duplicates: int
    quarantined: dict[str, int]
    bad_kinds_skipped: list[str]
    events_by_stream: dict[str, int]
    events_by_type: dict[str, int]
    journeys_reaching_stage: dict[str, int]
    marketing_journeys_reaching_stage: dict[str, int]
    sales_sourced_journeys_reaching_stage: dict[str, int]
    mql_people: int
    mql_entries: int
    recycled_returns: int
    handoffs: int
    handoffs_answered_on_time: int
    handoffs_answered_late: int
    handoffs_unanswered: int
    handoff_breaches: int
    unqualified_handoffs: int
    mqls_never_handed_off: int
    rejections_by_reason: dict[str, int]
    losses_by_reason: dict[str, int]
    sales_sourced_journeys: int
    sales_sourced_people: int
    personless_opportunities: int
    opportunities: int
    deals_won: int
    deals_lost: int
    won_amount: float
    renewals: int
    renewal_amount: float
    churns: int
    campaign_spend_rows: int
    campaign_spend_total: float
    people_identified: int
    people_with_stitched_anonymous_history: int
    anonymous_never_identified: int
    files: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _count_by(keys: tuple[str, ...], codes: np.ndarray) -> dict[str, int]:
    counts = np.bincount(codes, minlength=len(keys))
    return {key: int(counts[i]) for i, key in enumerate(keys)}


def _dollars(cents: np.ndarray) -> float:
    return round(int(cents.sum()) / 100, 2)


def stages_entered(
    rules: Rules, events: fr.Frame, rule: lead_rule.LeadRuleResult, n_entities: int
) -> np.ndarray:
    """Boolean matrix entity x stage: did the journey ever enter the stage."""
    entered = np.zeros((n_entities, len(rules.stage_keys)), bool)
    entered[rule.lead_t >= 0, rules.stage_code(rules.lead_stage)] = True
    entered[rule.mql_entity, rules.stage_code(rules.mql_stage)] = True
    etype = events["etype"]
    by_type = rules.stage_of_type[etype]
    has = by_type >= 0
    entered[events["entity"][has], by_type[has]] = True
    recycled, terminal = lead_rule.recycle_and_exit(rules, events)
    exits = recycled | terminal
    entered[events["entity"][exits], rules.reason_exit_stage[events["reason"][exits]]] = True
    return entered


def _journey_keys(entity: np.ndarray, t: np.ndarray, width: int) -> np.ndarray:
    """Keys that sort like (entity, time); `width` must exceed every time."""
    return entity * width + t


def _first_after(sorted_keys: np.ndarray, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Position of the first key strictly after each query, and whether there is one."""
    position = np.searchsorted(sorted_keys, queries, side="right")
    return np.minimum(position, max(len(sorted_keys) - 1, 0)), position < len(sorted_keys)


def handoff_outcomes(
    rules: Rules, events: fr.Frame, rule: lead_rule.LeadRuleResult
) -> dict[str, int]:
    """Handoffs and their answers (first accept/reject after the handoff, before the next one),
    whether the person was an MQL of the current cycle, and MQL entries never handed off."""
    entity, t, etype = events["entity"], events["t"], events["etype"]
    width = int(t.max(initial=0)) + 1
    key = _journey_keys(entity, t, width)
    cycle = rule.event_cycle
    handoff = np.flatnonzero(etype == rules.code("lead_handed_off"))
    answer = np.flatnonzero(np.isin(etype, rules.codes("lead_accepted", "lead_rejected")))
    mql_key = _journey_keys(rule.mql_entity, rule.mql_t, width)

    position, found = _first_after(key[answer], key[handoff])
    reply = answer[position] if len(answer) else handoff
    found &= entity[reply] == entity[handoff]
    position, has_next = _first_after(key[handoff], key[handoff])
    next_handoff = handoff[position] if len(handoff) else handoff
    has_next &= entity[next_handoff] == entity[handoff]
    answered = found & ~(has_next & (t[next_handoff] < t[reply]))
    late = answered & (t[reply] - t[handoff] > rules.handoff_sla_seconds)

    # The latest MQL entry at or before each handoff, in the same cycle.
    latest = np.searchsorted(mql_key, key[handoff], side="right") - 1
    mql = np.maximum(latest, 0)
    qualified = (latest >= 0) & (len(mql_key) > 0)
    if len(mql_key):
        qualified &= (rule.mql_entity[mql] == entity[handoff]) & (
            rule.mql_cycle[mql] == cycle[handoff]
        )

    # The first handoff after each MQL entry, in the same cycle.
    position, handed = _first_after(key[handoff], mql_key)
    if len(handoff):
        nearest = handoff[position]
        handed &= (entity[nearest] == rule.mql_entity) & (cycle[nearest] == rule.mql_cycle)
    return {
        "handoffs": len(handoff),
        "handoffs_answered_on_time": int((answered & ~late).sum()),
        "handoffs_answered_late": int(late.sum()),
        "handoffs_unanswered": int((~answered).sum()),
        "handoff_breaches": int(late.sum() + (~answered).sum()),
        "unqualified_handoffs": int((~qualified).sum()),
        "mqls_never_handed_off": int((~handed).sum()),
    }


def check_design(rule: lead_rule.LeadRuleResult, entities: Entities) -> None:
    """The lead rule on the final events gives exactly the outcomes the journeys were built for."""
    kinds = entities.kind[rule.mql_entity]
    if np.any(kinds != Kind.MQL):
        raise AssertionError("generator bug: a journey not built to become an MQL did")
    mql_kind = entities.of_kind(Kind.MQL)
    if not np.array_equal(np.unique(rule.mql_entity[rule.mql_cycle == 0]), mql_kind):
        raise AssertionError("generator bug: a journey built to become an MQL did not")


def journey_truth(rules: Rules, events: fr.Frame, entities: Entities) -> dict[str, Any]:
    """All journey counts; `events` are the valid events sorted by journey (spend excluded)."""
    n = len(entities)
    rule = lead_rule.evaluate(rules, events, n)
    check_design(rule, entities)
    entered = stages_entered(rules, events, rule, n)
    journey = entities.kind != Kind.VISITOR
    marketing = np.isin(entities.kind, [int(k) for k in MARKETING_KINDS])
    sales_sourced = np.isin(entities.kind, [int(k) for k in SALES_SOURCED_KINDS])
    present = np.bincount(events["entity"], minlength=n) > 0

    def reaching(mask: np.ndarray) -> dict[str, int]:
        return {key: int(entered[mask, i].sum()) for i, key in enumerate(rules.stage_keys)}

    etype, entity = events["etype"], events["entity"]
    rejected = etype == rules.code("lead_rejected")
    lost = etype == rules.code("deal_lost")
    won = etype == rules.code("deal_won")
    renewed = etype == rules.code("customer_renewed")
    with_anon = np.bincount(entity[events["anon"]], minlength=n) > 0
    with_identity = np.bincount(entity[events["email"] | events["contact"]], minlength=n) > 0
    rejection_keys = tuple(rules.reason_keys[i] for i in rules.rejection_reasons)
    loss_keys = tuple(rules.reason_keys[i] for i in rules.loss_reasons)
    rejection_index = np.searchsorted(rules.rejection_reasons, events["reason"][rejected])
    loss_index = np.searchsorted(rules.loss_reasons, events["reason"][lost])
    return {
        "journeys_reaching_stage": reaching(journey),
        "marketing_journeys_reaching_stage": reaching(marketing),
        "sales_sourced_journeys_reaching_stage": reaching(sales_sourced),
        "mql_people": len(np.unique(rule.mql_entity)),
        "mql_entries": len(rule.mql_entity),
        "recycled_returns": int((rule.mql_cycle > 0).sum()),
        **handoff_outcomes(rules, events, rule),
        "rejections_by_reason": _count_by(rejection_keys, rejection_index),
        "losses_by_reason": _count_by(loss_keys, loss_index),
        "sales_sourced_journeys": int((sales_sourced & present).sum()),
        "sales_sourced_people": int(((entities.kind == Kind.SALES_PERSON) & present).sum()),
        "personless_opportunities": int(
            ((entities.kind == Kind.SALES_OPPORTUNITY) & present).sum()
        ),
        "opportunities": int((etype == rules.code("opportunity_created")).sum()),
        "deals_won": int(won.sum()),
        "deals_lost": int(lost.sum()),
        "won_amount": _dollars(events["amount"][won]),
        "renewals": int(renewed.sum()),
        "renewal_amount": _dollars(events["amount"][renewed]),
        "churns": int((etype == rules.code("customer_churned")).sum()),
        "people_identified": int(with_identity.sum()),
        "people_with_stitched_anonymous_history": int((with_identity & with_anon).sum()),
        "anonymous_never_identified": int((with_anon & ~with_identity).sum()),
    }


def event_counts(rules: Rules, events: fr.Frame) -> dict[str, Any]:
    """Valid events by stream and type, and campaign spend."""
    etype = events["etype"]
    spend = etype == rules.code("campaign_spend")
    return {
        "valid_events": fr.size(events),
        "events_by_stream": _count_by(rules.streams, rules.stream_of_type[etype]),
        "events_by_type": _count_by(rules.event_types, etype),
        "campaign_spend_rows": int(spend.sum()),
        "campaign_spend_total": _dollars(events["amount"][spend]),
    }
