"""Sales-side journey segments: handoff, response, qualification, opportunity, close.

Each step takes arrays describing many journeys at one point of the funnel and returns the
events it produced plus the arrays for the journeys that move on. Every step happens
strictly later than the one before, so dropping events at the data end simply leaves a
journey "still open" and never breaks its order. Timings are multiples of the SLAs in
the seeds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from orchestration.sample_data import frame as fr
from orchestration.sample_data.rules import DAY, HOUR, Rules
from orchestration.sample_data.world import CRM_STAGES, N_OWNERS, Entities

MINUTE = 60


@dataclass
class Step:
    """Journeys at one point of the sales funnel."""

    entity: np.ndarray
    t: np.ndarray
    owner: np.ndarray

    def where(self, mask: np.ndarray) -> Step:
        return Step(self.entity[mask], self.t[mask], self.owner[mask])

    def __len__(self) -> int:
        return len(self.entity)


@dataclass
class Opportunities:
    """Opportunities at one moment (creation or win); person-less ones are their own entity."""

    entity: np.ndarray
    t: np.ndarray
    owner: np.ndarray
    opp: np.ndarray
    has_person: np.ndarray
    amount: np.ndarray  # cents once won, else -1


class OpportunityIds:
    """Hands out opportunity numbers in generation order."""

    def __init__(self) -> None:
        self.next = 0

    def take(self, n: int) -> np.ndarray:
        ids = np.arange(self.next, self.next + n, dtype=np.int64)
        self.next += n
        return ids


def _choose(rng: np.random.Generator, n: int, probabilities: tuple[float, ...]) -> np.ndarray:
    """An outcome index per journey."""
    return rng.choice(len(probabilities), n, p=probabilities)


def _delay(rng: np.random.Generator, n: int, low: float, high: float) -> np.ndarray:
    return rng.uniform(low, high, n).astype(np.int64)


def _deal_amount(rng: np.random.Generator, n: int) -> np.ndarray:
    """Deal sizes in cents, rounded to whole hundreds of dollars."""
    dollars = np.round(rng.lognormal(np.log(18_000), 0.7, n), -2)
    return (np.maximum(dollars, 500) * 100).astype(np.int64)


def handoffs(
    rng: np.random.Generator, rules: Rules, entity: np.ndarray, anchor: np.ndarray, end: int
) -> tuple[fr.Frame, Step]:
    """`lead_handed_off` shortly after `anchor`, only while an answer can still be judged.

    Handoffs later than end - 2 x SLA are not made: every handoff in the data then has at
    least a full SLA after its deadline, so "unanswered" is unambiguous.
    """
    sla = rules.handoff_sla_seconds
    t = anchor + _delay(rng, len(entity), 10 * MINUTE, 36 * HOUR)
    made = t <= end - 2 * sla
    step = Step(entity[made], t[made], rng.integers(0, N_OWNERS, int(made.sum())).astype(np.int16))
    events = fr.make(
        len(step),
        entity=step.entity,
        t=step.t,
        etype=rules.code("lead_handed_off"),
        email=True,
        contact=True,
        owner=step.owner,
    )
    return events, step


def _person_event(
    rules: Rules,
    entities: Entities,
    step: Step,
    event_type: str,
    email: np.ndarray | bool = False,
    **cols,
) -> fr.Frame:
    """A sales event about a person: contact id, owner and account always; email sometimes."""
    return fr.make(
        len(step),
        entity=step.entity,
        t=step.t,
        etype=rules.code(event_type),
        contact=True,
        email=email,
        owner=step.owner,
        account=entities.account[step.entity],
        **cols,
    )


def rejections(
    rng: np.random.Generator, rules: Rules, entities: Entities, step: Step, recycle_share: float
) -> tuple[fr.Frame, Step]:
    """`lead_rejected` with a rejection reason; returns the journeys that were recycled."""
    recycled_reasons = rules.reasons_exiting_to(rules.recycled_stage)
    other_reasons = np.setdiff1d(rules.rejection_reasons, recycled_reasons)
    recycled = rng.random(len(step)) < recycle_share
    reason = np.where(
        recycled, rng.choice(recycled_reasons, len(step)), rng.choice(other_reasons, len(step))
    ).astype(np.int16)
    events = _person_event(
        rules, entities, step, "lead_rejected", email=rng.random(len(step)) < 0.3, reason=reason
    )
    return events, step.where(recycled)


def responses(
    rng: np.random.Generator,
    rules: Rules,
    entities: Entities,
    handed: Step,
    qualified: bool,
    end: int,
) -> tuple[list[fr.Frame], Step, Step]:
    """Sales accepts, rejects or ignores each handoff; mostly inside the SLA, some clearly late.

    Returns events, the accepted journeys (at acceptance) and the recycled ones.
    """
    sla = rules.handoff_sla_seconds
    n = len(handed)
    outcome = _choose(rng, n, (0.62, 0.28, 0.10) if qualified else (0.30, 0.60, 0.10))
    late = rng.random(n) < 0.2
    delay = np.where(late, rng.uniform(1.3, 5.0, n) * sla, rng.uniform(0.03, 0.9, n) * sla).astype(
        np.int64
    )
    answered = handed.where(outcome < 2)
    answered.t = answered.t + delay[outcome < 2]
    in_data = answered.t < end
    accepted_mask = (outcome[outcome < 2] == 0) & in_data
    rejected_mask = (outcome[outcome < 2] == 1) & in_data
    accepted = answered.where(accepted_mask)
    rejected_events, recycled = rejections(
        rng, rules, entities, answered.where(rejected_mask), 0.6 if qualified else 0.3
    )
    accepted_events = _person_event(
        rules, entities, accepted, "lead_accepted", email=rng.random(len(accepted)) < 0.5
    )
    return [accepted_events, rejected_events], accepted, recycled


def work_accepted(
    rng: np.random.Generator,
    rules: Rules,
    entities: Entities,
    accepted: Step,
    ids: OpportunityIds,
    end: int,
) -> tuple[list[fr.Frame], Opportunities]:
    """After acceptance: qualify (meeting and/or CRM flag), skip straight to an opportunity,
    reject after all, or stall. Some qualified people close a deal with no opportunity event.
    """
    n = len(accepted)
    frames: list[fr.Frame] = []
    sal_sla = rules.sla_after("lead_accepted")
    sql_sla = rules.sla_after("meeting_held")
    close_sla = rules.sla_after("opportunity_created")
    outcome = _choose(rng, n, (0.62, 0.10, 0.10, 0.18))  # sql, opportunity (skip), reject, stall

    sql = accepted.where(outcome == 0)
    sql.t = sql.t + _delay(rng, len(sql), 0.05 * sal_sla, 1.0 * sal_sla)
    how = _choose(rng, len(sql), (0.55, 0.25, 0.20))  # meeting, CRM flag, meeting then flag
    frames.append(_person_event(rules, entities, sql.where(how != 1), "meeting_held"))
    flagged = sql.where(how >= 1)
    flagged.t = flagged.t + np.where(
        how[how >= 1] == 2, _delay(rng, len(flagged), HOUR, 5 * DAY), 0
    )
    frames.append(_person_event(rules, entities, flagged, "lead_qualified"))
    sql.t = np.where(how == 2, sql.t + 5 * DAY, sql.t)  # later steps come after both events

    late_reject = accepted.where(outcome == 2)
    late_reject.t = late_reject.t + _delay(rng, len(late_reject), 0.1 * sal_sla, 1.0 * sal_sla)
    frames.append(rejections(rng, rules, entities, late_reject, 0.5)[0])

    after_sql = _choose(rng, len(sql), (0.62, 0.05, 0.33))  # opportunity, won without one, stall
    skip = accepted.where(outcome == 1)
    skip.t = skip.t + _delay(rng, len(skip), 0.1 * sal_sla, 1.0 * sal_sla)
    to_opp = sql.where(after_sql == 0)
    to_opp.t = to_opp.t + _delay(rng, len(to_opp), 0.05 * sql_sla, 1.0 * sql_sla)
    starts = Step(
        np.concatenate([to_opp.entity, skip.entity]),
        np.concatenate([to_opp.t, skip.t]),
        np.concatenate([to_opp.owner, skip.owner]),
    )

    # The CRM only recorded the win: the deal carries the contact, there is no creation event.
    direct = sql.where(after_sql == 1)
    direct.t = direct.t + _delay(rng, len(direct), 0.1 * close_sla, 1.0 * close_sla)
    frames.append(
        _person_event(
            rules,
            entities,
            direct,
            "deal_won",
            opp=ids.take(len(direct)),
            amount=_deal_amount(rng, len(direct)),
        )
    )
    opportunities = Opportunities(
        starts.entity,
        starts.t,
        starts.owner,
        ids.take(len(starts)),
        np.ones(len(starts), bool),
        np.full(len(starts), -1, np.int64),
    )
    return [fr.before(f, end) for f in frames], opportunities


def work_opportunities(
    rng: np.random.Generator, rules: Rules, entities: Entities, opps: Opportunities, end: int
) -> tuple[list[fr.Frame], Opportunities]:
    """Creation, CRM stage moves, then won, lost or still open. Returns the won ones (at close)."""
    n = len(opps.entity)
    close_sla = rules.sla_after("opportunity_created")
    person = opps.has_person
    account = entities.account[opps.entity]
    created = fr.make(
        n,
        entity=opps.entity,
        t=opps.t,
        etype=rules.code("opportunity_created"),
        opp=opps.opp,
        account=account,
        owner=opps.owner,
        contact=person,
        email=person & (rng.random(n) < 0.6),
        crm_stage=0,
    )

    close_t = opps.t + _delay(rng, n, 0.1 * close_sla, 1.3 * close_sla)
    moves = rng.integers(0, len(CRM_STAGES), n)
    row, position = fr.expand(moves)
    move_t = opps.t[row] + MINUTE + fr.sorted_offsets(rng, row, close_t - opps.t - 2 * MINUTE)
    moved = fr.make(
        len(row),
        entity=opps.entity[row],
        t=move_t,
        etype=rules.code("opportunity_stage_changed"),
        opp=opps.opp[row],
        account=account[row],
        owner=opps.owner[row],
        crm_stage=np.minimum(position + 1, len(CRM_STAGES) - 1),
    )

    outcome = _choose(rng, n, (0.35, 0.35, 0.30))  # won, lost, open
    # Some close events carry only the opportunity (and account): resolved via the creation.
    names_person = person & (rng.random(n) < 0.6)
    won = outcome == 0
    lost = outcome == 1
    amount = _deal_amount(rng, n)
    won_events = fr.make(
        int(won.sum()),
        entity=opps.entity[won],
        t=close_t[won],
        etype=rules.code("deal_won"),
        opp=opps.opp[won],
        account=account[won],
        owner=opps.owner[won],
        contact=names_person[won],
        amount=amount[won],
    )
    lost_events = fr.make(
        int(lost.sum()),
        entity=opps.entity[lost],
        t=close_t[lost],
        etype=rules.code("deal_lost"),
        opp=opps.opp[lost],
        account=account[lost],
        owner=opps.owner[lost],
        contact=names_person[lost],
        reason=rng.choice(rules.loss_reasons, int(lost.sum())),
    )
    still_won = won & (close_t < end)
    customers = Opportunities(
        opps.entity[still_won],
        close_t[still_won],
        opps.owner[still_won],
        opps.opp[still_won],
        person[still_won],
        amount[still_won],
    )
    frames = [created, moved, won_events, lost_events]
    return [fr.before(f, end) for f in frames], customers


def after_sale(
    rng: np.random.Generator, rules: Rules, entities: Entities, customers: Opportunities, end: int
) -> list[fr.Frame]:
    """Some customers renew (for about the won amount), some churn later."""
    n = len(customers.entity)
    outcome = _choose(rng, n, (0.30, 0.12, 0.05, 0.53))  # renew, churn, renew then churn, nothing
    renews = (outcome == 0) | (outcome == 2)
    churns = (outcome == 1) | (outcome == 2)
    renew_t = customers.t + _delay(rng, n, 60 * DAY, 240 * DAY)
    churn_t = np.where(outcome == 2, renew_t, customers.t) + _delay(rng, n, 30 * DAY, 200 * DAY)
    account = entities.account[customers.entity]
    names_person = customers.has_person & (rng.random(n) < 0.3)
    renewal_amount = (customers.amount * rng.uniform(0.9, 1.4, n) // 100 * 100).astype(np.int64)
    renewed = fr.make(
        int(renews.sum()),
        entity=customers.entity[renews],
        t=renew_t[renews],
        etype=rules.code("customer_renewed"),
        opp=customers.opp[renews],
        account=account[renews],
        contact=names_person[renews],
        amount=renewal_amount[renews],
    )
    churned = fr.make(
        int(churns.sum()),
        entity=customers.entity[churns],
        t=churn_t[churns],
        etype=rules.code("customer_churned"),
        opp=customers.opp[churns],
        account=account[churns],
        contact=names_person[churns],
    )
    return [fr.before(renewed, end), fr.before(churned, end)]
