"""A slow, plain-Python reference for the journey ground truth, written from the stage
definitions (seeds + brief), not from the generator's code.

Identity: every identifier that appears on the same event belongs to the same journey
(union-find over anonymous_id, normalised email, contact_id and opportunity_id). A journey
with no person identifier is a person-less opportunity.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from tests.sample_data.records import CATALOG, parse_time, seed

STAGES = [
    row["stage_key"] for row in sorted(seed("funnel_stages"), key=lambda r: int(r["stage_order"]))
]
STAGE_ROWS = {row["stage_key"]: row for row in seed("funnel_stages")}
LEAD = next(k for k, r in STAGE_ROWS.items() if r["entry_trigger"] == "identification")
MQL = next(k for k, r in STAGE_ROWS.items() if r["entry_trigger"] == "lead_rule")
REASONS = {row["reason_key"]: row for row in seed("reasons")}
RULE = seed("lead_rule")[0]
FIT_THRESHOLD = float(RULE["fit_threshold"])
ENGAGEMENT_THRESHOLD = float(RULE["engagement_threshold"])
LOOKBACK = timedelta(days=float(RULE["engagement_lookback_days"]))
POINTS = {row["event_type"]: int(row["points"]) for row in seed("lead_engagement_points")}
FIT = {
    (row["attribute"], row["attribute_value"]): int(row["points"])
    for row in seed("lead_fit_points")
}
HANDOFF_SLA = timedelta(
    hours=next(
        float(r["sla_hours"])
        for r in seed("stage_slas")
        if r["clock_starts_event_type"] == "lead_handed_off"
    )
)


def _norm(key: str, value: str) -> str:
    return f"{key}:{value.strip().lower() if key == 'email' else value}"


class UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)


@dataclass
class Journey:
    events: list[dict] = field(default_factory=list)
    person: bool = False
    anonymous: bool = False


def journeys(records: list[dict]) -> list[Journey]:
    """Loaded records grouped into journeys (campaign spend belongs to none)."""
    uf = UnionFind()
    keys_of = []
    for record in records:
        keys = [
            _norm(k, record[k])
            for k in ("anonymous_id", "email", "contact_id", "opportunity_id")
            if record.get(k)
        ]
        for other in keys[1:]:
            uf.union(keys[0], other)
        keys_of.append(keys)
    grouped: dict[str, Journey] = defaultdict(Journey)
    for record, keys in zip(records, keys_of, strict=True):
        if not keys:
            continue
        journey = grouped[uf.find(keys[0])]
        journey.events.append({**record, "_at": parse_time(record["occurred_at"])})
        journey.person |= any(k.startswith(("email:", "contact_id:")) for k in keys)
        journey.anonymous |= any(k.startswith("anonymous_id:") for k in keys)
    for journey in grouped.values():
        journey.events.sort(key=lambda e: e["_at"])
    return list(grouped.values())


def _exit(event: dict) -> str | None:
    if CATALOG[event["event_type"]]["stage_from_reason"] == "true" and event.get("reason"):
        return REASONS[event["reason"]]["exit_stage"]
    return None


def _fit(known: dict[str, str]) -> int:
    return sum(FIT.get((attribute, value), 0) for attribute, value in known.items())


@dataclass
class Outcome:
    stages: set[str]
    mql_entries: list[tuple[datetime, int]]  # (moment, cycle)
    handoffs: list[dict]  # per handoff: answered, late, qualified
    mqls_never_handed_off: int


def follow(journey: Journey) -> Outcome:
    """Stages entered, MQL entries and handoff outcomes of one journey."""
    events = journey.events
    stages: set[str] = set()
    lead_at = next(
        (
            e["_at"]
            for e in events
            if CATALOG[e["event_type"]]["is_identifying"] == "true"
            or (
                CATALOG[e["event_type"]]["is_touch"] == "true"
                and (e.get("email") or e.get("contact_id"))
            )
        ),
        None,
    )
    if lead_at is not None:
        stages.add(LEAD)
    known: dict[str, str] = {}
    cycle, recycled_at, mql_in_cycle = 0, None, False
    mql_entries: list[tuple[datetime, int]] = []
    cycle_of: list[int] = []
    for event in events:
        exit_stage = _exit(event)
        if exit_stage:
            stages.add(exit_stage)
            if STAGE_ROWS[exit_stage]["starts_new_cycle"] == "true":
                cycle, recycled_at, mql_in_cycle = cycle + 1, event["_at"], False
        if CATALOG[event["event_type"]]["enters_stage"]:
            stages.add(CATALOG[event["event_type"]]["enters_stage"])
        for attribute in ("industry", "company_size", "seniority"):
            value = (event.get("properties") or {}).get(attribute)
            if value:
                known[attribute] = value
        cycle_of.append(cycle)
        if mql_in_cycle or lead_at is None or event["_at"] < lead_at:
            continue
        since = event["_at"] - LOOKBACK
        if recycled_at is not None:
            since = max(since, recycled_at)
        engagement = sum(
            POINTS.get(e["event_type"], 0) for e in events if since < e["_at"] <= event["_at"]
        )
        if _fit(known) >= FIT_THRESHOLD and engagement >= ENGAGEMENT_THRESHOLD:
            mql_entries.append((event["_at"], cycle))
            mql_in_cycle = True
            stages.add(MQL)

    handoffs = []
    handoff_positions = [i for i, e in enumerate(events) if e["event_type"] == "lead_handed_off"]
    for n, i in enumerate(handoff_positions):
        stop = handoff_positions[n + 1] if n + 1 < len(handoff_positions) else len(events)
        answer = next(
            (
                events[j]
                for j in range(i + 1, stop)
                if events[j]["event_type"] in ("lead_accepted", "lead_rejected")
            ),
            None,
        )
        at = events[i]["_at"]
        qualified = any(moment < at and c == cycle_of[i] for moment, c in mql_entries)
        handoffs.append(
            {
                "answered": answer is not None,
                "late": answer is not None and answer["_at"] - at > HANDOFF_SLA,
                "qualified": qualified,
            }
        )
    never = sum(
        1
        for moment, c in mql_entries
        if not any(events[i]["_at"] > moment and cycle_of[i] == c for i in handoff_positions)
    )
    return Outcome(stages, mql_entries, handoffs, never)


def expected_truth(records: list[dict]) -> dict:
    """The journey part of the ground truth, recomputed from loaded records."""
    all_journeys = journeys(records)
    outcomes = [(j, follow(j)) for j in all_journeys]
    handoffs = [h for _, o in outcomes for h in o.handoffs]
    by_type = defaultdict(list)
    for record in records:
        by_type[record["event_type"]].append(record)

    def total(event_type: str) -> float:
        return float(sum(Decimal(str(r["amount"])) for r in by_type[event_type]))

    late = sum(h["late"] for h in handoffs)
    unanswered = sum(not h["answered"] for h in handoffs)
    return {
        "journeys_reaching_stage": {s: sum(s in o.stages for _, o in outcomes) for s in STAGES},
        "mql_people": sum(bool(o.mql_entries) for _, o in outcomes),
        "mql_entries": sum(len(o.mql_entries) for _, o in outcomes),
        "recycled_returns": sum(c > 0 for _, o in outcomes for _, c in o.mql_entries),
        "handoffs": len(handoffs),
        "handoffs_answered_late": late,
        "handoffs_unanswered": unanswered,
        "handoff_breaches": late + unanswered,
        "unqualified_handoffs": sum(not h["qualified"] for h in handoffs),
        "mqls_never_handed_off": sum(o.mqls_never_handed_off for _, o in outcomes),
        "sales_sourced_journeys": sum(bool(o.stages) and LEAD not in o.stages for _, o in outcomes),
        "people_identified": sum(j.person for j in all_journeys),
        "people_with_stitched_anonymous_history": sum(
            j.person and j.anonymous for j in all_journeys
        ),
        "anonymous_never_identified": sum(j.anonymous and not j.person for j in all_journeys),
        "rejections_by_reason": {
            key: sum(r.get("reason") == key for r in by_type["lead_rejected"])
            for key, row in REASONS.items()
            if row["reason_type"] == "rejection"
        },
        "opportunities": len(by_type["opportunity_created"]),
        "deals_won": len(by_type["deal_won"]),
        "deals_lost": len(by_type["deal_lost"]),
        "won_amount": round(total("deal_won"), 2),
        "campaign_spend_total": round(total("campaign_spend"), 2),
    }
