"""All journeys of one sample, built phase by phase in bulk.

1. marketing: MQL bursts, low-engagement, low-fit and subscriber journeys;
2. the lead rule on those events gives each person's true MQL moment;
3. handoffs after MQL moments (and a few unqualified ones), sales answers and the sales
   funnel after acceptance;
4. recycled MQLs that engage again after the look-back: second MQL, second handoff;
5. sales-sourced contacts and person-less opportunities;
6. anonymous visitors fill the rest of the event budget.
"""

from __future__ import annotations

import numpy as np

from orchestration.sample_data import frame as fr
from orchestration.sample_data import lead_rule, marketing, sales
from orchestration.sample_data.rules import DAY, HOUR, Rules
from orchestration.sample_data.world import N_OWNERS, Entities, Kind, World

KIND_SHARES = {
    Kind.MQL: 0.30,
    Kind.LOW_ENGAGEMENT: 0.18,
    Kind.LOW_FIT: 0.27,
    Kind.SUBSCRIBER: 0.13,
    Kind.SALES_PERSON: 0.08,
    Kind.SALES_OPPORTUNITY: 0.04,
}
HANDOFF_SHARE = 0.85  # of MQL entries; the rest are never handed off
UNQUALIFIED_HANDOFF_SHARE = 0.08  # of non-MQL leads
RETURN_SHARE = 0.5  # of recycled MQLs who engage again
END_MARGIN = HOUR  # nothing is generated in the last hour, so tie nudges stay inside the data


def journey_kinds(rng: np.random.Generator, n: int) -> np.ndarray:
    """A random mix of journey kinds."""
    kinds = np.array([int(k) for k in KIND_SHARES])
    return rng.choice(kinds, n, p=list(KIND_SHARES.values())).astype(np.int8)


def _sales_funnel(
    rng: np.random.Generator,
    rules: Rules,
    entities: Entities,
    accepted: sales.Step,
    ids: sales.OpportunityIds,
    end: int,
) -> list[fr.Frame]:
    frames, opps = sales.work_accepted(rng, rules, entities, accepted, ids, end)
    return frames + _opportunity_funnel(rng, rules, entities, opps, end)


def _opportunity_funnel(
    rng: np.random.Generator, rules: Rules, entities: Entities, opps: sales.Opportunities, end: int
) -> list[fr.Frame]:
    frames, customers = sales.work_opportunities(rng, rules, entities, opps, end)
    return frames + sales.after_sale(rng, rules, entities, customers, end)


def _handoff_cycle(
    rng: np.random.Generator,
    rules: Rules,
    entities: Entities,
    entity: np.ndarray,
    anchor: np.ndarray,
    qualified: bool,
    ids: sales.OpportunityIds,
    end: int,
) -> tuple[list[fr.Frame], sales.Step]:
    """Handoff, answer and everything after acceptance; returns events and recycled journeys."""
    handoff_events, handed = sales.handoffs(rng, rules, entity, anchor, end)
    answers, accepted, recycled = sales.responses(rng, rules, entities, handed, qualified, end)
    return [
        handoff_events,
        *answers,
        *_sales_funnel(rng, rules, entities, accepted, ids, end),
    ], recycled


def _mql_moments(rules: Rules, frames: list[fr.Frame], n_entities: int) -> lead_rule.LeadRuleResult:
    return lead_rule.evaluate(rules, lead_rule.sort_by_journey(fr.concat(frames)), n_entities)


def build_journeys(
    rng: np.random.Generator, rules: Rules, world: World, entities: Entities, days: int
) -> fr.Frame:
    """Every event of every non-visitor journey, all strictly before the data end."""
    end = days * DAY - END_MARGIN
    ids = sales.OpportunityIds()
    n = len(entities)
    lookback = rules.lookback_seconds
    burst_room = int(marketing.BURST_MAX_SHARE_OF_LOOKBACK * lookback) + 8 * DAY
    if end < 2 * burst_room:
        raise ValueError("the data window is too short for the lead rule's look-back")

    def starts(entity: np.ndarray, room: int) -> np.ndarray:
        return rng.integers(0, max(1, end - room), len(entity))

    # 1. Marketing journeys.
    mql_kind = entities.of_kind(Kind.MQL)
    frames = [
        marketing.engagement_bursts(
            rng, rules, world, entities, mql_kind, starts(mql_kind, burst_room), 4, 1.0
        ),
    ]
    for kind, build in (
        (Kind.LOW_ENGAGEMENT, marketing.low_engagement_journeys),
        (Kind.LOW_FIT, marketing.low_fit_journeys),
        (Kind.SUBSCRIBER, marketing.subscriber_journeys),
    ):
        entity = entities.of_kind(kind)
        frames.append(build(rng, rules, world, entities, entity, starts(entity, DAY)))
    frames = [fr.before(f, end) for f in frames]

    # 2. True MQL moments (first cycle).
    first = _mql_moments(rules, frames, n)
    if not np.array_equal(np.sort(first.mql_entity), mql_kind):
        raise AssertionError(
            "generator bug: MQL entries differ from the journeys built to become MQLs"
        )

    # 3. Engagement after MQL, handoffs and the sales funnel.
    frames.append(
        fr.before(
            marketing.engagement_after(rng, rules, world, entities, first.mql_entity, first.mql_t),
            end,
        )
    )
    handed = rng.random(len(first.mql_entity)) < HANDOFF_SHARE
    cycle, recycled = _handoff_cycle(
        rng, rules, entities, first.mql_entity[handed], first.mql_t[handed], True, ids, end
    )
    frames += cycle
    other_leads = np.flatnonzero((first.lead_t >= 0) & (entities.kind != Kind.MQL))
    unqualified = other_leads[rng.random(len(other_leads)) < UNQUALIFIED_HANDOFF_SHARE]
    anchor = first.lead_t[unqualified] + rng.integers(HOUR, 20 * DAY, len(unqualified))
    frames += _handoff_cycle(rng, rules, entities, unqualified, anchor, False, ids, end)[0]

    # 4. Returns: recycled MQLs engage again well after the look-back has forgotten the past.
    returning = recycled.where(rng.random(len(recycled)) < RETURN_SHARE)
    burst_start = returning.t + lookback + 15 * DAY + rng.integers(0, 60 * DAY, len(returning))
    fits = burst_start < end - burst_room - 2 * rules.handoff_sla_seconds
    frames.append(
        marketing.engagement_bursts(
            rng, rules, world, entities, returning.entity[fits], burst_start[fits], 0, 0.5
        )
    )
    second = _mql_moments(rules, frames, n)
    again = second.mql_cycle > 0
    handed = again & (rng.random(len(again)) < HANDOFF_SHARE)
    frames += _handoff_cycle(
        rng, rules, entities, second.mql_entity[handed], second.mql_t[handed], True, ids, end
    )[0]

    # 5. Sales-sourced: contacts sales created itself, and opportunities with no person.
    people = entities.of_kind(Kind.SALES_PERSON)
    accepted = sales.Step(
        people, starts(people, 3 * DAY), rng.integers(0, N_OWNERS, len(people)).astype(np.int16)
    )
    frames.append(
        fr.make(
            len(people),
            entity=people,
            t=accepted.t,
            etype=rules.code("lead_accepted"),
            contact=True,
            owner=accepted.owner,
            account=entities.account[people],
        )
    )
    frames += _sales_funnel(rng, rules, entities, accepted, ids, end)
    bare = entities.of_kind(Kind.SALES_OPPORTUNITY)
    opps = sales.Opportunities(
        bare,
        starts(bare, 3 * DAY),
        rng.integers(0, N_OWNERS, len(bare)).astype(np.int16),
        ids.take(len(bare)),
        np.zeros(len(bare), bool),
        np.full(len(bare), -1),
    )
    frames += _opportunity_funnel(rng, rules, entities, opps, end)
    return fr.before(fr.concat(frames), end)


def within_budget(events: fr.Frame, max_events: int) -> fr.Frame:
    """Drop whole journeys, highest entity first, until at most `max_events` remain.

    Journeys are independent and entity order is random across kinds, so this keeps the mix.
    """
    counts = np.bincount(events["entity"])
    keep = np.cumsum(counts) <= max_events
    return fr.take(events, keep[events["entity"]])


def visitor_counts(rng: np.random.Generator, total: int) -> np.ndarray:
    """Events per anonymous visitor (1 or more) summing to exactly `total`."""
    if total <= 0:
        return np.zeros(0, np.int64)
    sizes = rng.geometric(0.45, total)
    cumulative = np.cumsum(sizes)
    last = int(np.searchsorted(cumulative, total))
    sizes = sizes[: last + 1].copy()
    sizes[-1] = total - (cumulative[last - 1] if last else 0)
    return sizes


def finalize(events: fr.Frame) -> fr.Frame:
    """Sorted by journey, with strictly increasing times inside each journey."""
    events = lead_rule.sort_by_journey(events)
    events["t"] = fr.strictly_increasing(events["entity"], events["t"])
    return events
