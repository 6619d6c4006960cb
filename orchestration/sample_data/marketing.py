"""Marketing-side journey segments: anonymous visits, identification, engagement bursts.

Every builder works on many journeys at once: it lays out each journey's event types in
one row of a small matrix, keeps a prefix of each row, and spreads the kept events over
time in row order. Lead-rule outcomes are fixed by construction:

* MQL bursts pack all engagement up to the threshold crossing into a window at most a
  quarter of the look-back, so the windowed sum equals the plain running sum;
* low-engagement journeys keep lifetime points clearly below the engagement threshold;
* low-fit and subscriber journeys never reach the fit threshold, whatever they do.
"""

from __future__ import annotations

import math

import numpy as np

from orchestration.sample_data import frame as fr
from orchestration.sample_data.rules import DAY, HOUR, Rules
from orchestration.sample_data.world import FORMS, N_CONTENT, PAGES, Entities, World

ANON_TYPES = ("page_viewed", "ad_clicked", "content_downloaded")
ANON_WEIGHTS = (0.6, 0.3, 0.1)
ENGAGEMENT_TYPES = (
    "page_viewed",
    "ad_clicked",
    "email_opened",
    "email_clicked",
    "content_downloaded",
    "webinar_attended",
)
ENGAGEMENT_WEIGHTS = (0.25, 0.1, 0.3, 0.15, 0.12, 0.08)
EMAIL_TYPES = ("email_opened", "email_clicked", "webinar_attended", "content_downloaded")
EMAIL_WEIGHTS = (0.5, 0.3, 0.1, 0.1)
BURST_HEAD = 4  # freely chosen engagement events before the guaranteed high-point tail
BURST_MAX_SHARE_OF_LOOKBACK = 0.25
CLEAR_MARGIN_SHARE = 0.15  # "clearly below" the engagement threshold


def _pick(
    rng: np.random.Generator, pool: np.ndarray, n: int, weights: tuple[float, ...] | None = None
) -> np.ndarray:
    return rng.choice(pool, n, p=weights) if n else np.zeros(0, pool.dtype)


def touch_events(
    rng: np.random.Generator,
    rules: Rules,
    world: World,
    entities: Entities,
    entity: np.ndarray,
    t: np.ndarray,
    etype: np.ndarray,
    identified: np.ndarray,
) -> fr.Frame:
    """Marketing touch events with the identifiers and attributes each type carries.

    Before identification a person is only their cookie (anonymous_id); forms carry the
    cookie and the email (that is what stitches the two); email-channel events carry the
    email; web events keep carrying the cookie only.
    """
    n = len(entity)
    code = rules.code
    page_viewed = etype == code("page_viewed")
    ad_clicked = etype == code("ad_clicked")
    form = etype == code("form_submitted")
    download = etype == code("content_downloaded")
    by_email = np.isin(etype, rules.codes("email_opened", "email_clicked", "webinar_attended"))

    campaign = np.full(n, -1, np.int16)
    rolls = rng.random(n)
    for mask, pool in (
        (ad_clicked, world.campaigns_in("paid_search", "paid_social", "content_syndication")),
        (etype == code("email_opened"), world.campaigns_in("email")),
        (etype == code("email_clicked"), world.campaigns_in("email")),
        (etype == code("webinar_attended"), world.campaigns_in("events")),
        (
            form & (rolls < 0.4),
            world.campaigns_in("paid_search", "paid_social", "events", "organic"),
        ),
        (download & (rolls < 0.3), world.campaigns_in("content_syndication")),
        (page_viewed & (rolls < 0.1), world.campaigns_in("organic")),
    ):
        campaign[mask] = _pick(rng, pool, int(mask.sum()))

    form_code = np.where(form, rng.integers(0, len(FORMS), n), -1)
    content = np.where(
        download | (form_code == FORMS.index("ebook_download")), rng.integers(0, N_CONTENT, n), -1
    )
    account = entities.account[entity]
    reports = form & (entities.seniority[entity] >= 0)
    return fr.make(
        n,
        entity=entity,
        t=t,
        etype=etype,
        anon=page_viewed
        | ad_clicked
        | (download & ~identified)
        | (form & entities.has_anon[entity]),
        email=form | by_email | (download & identified),
        campaign=campaign,
        content=content,
        page=np.where(page_viewed, rng.integers(0, len(PAGES), n), -1),
        form=form_code,
        industry=np.where(reports, world.account_industry[account], -1),
        company_size=np.where(reports, world.account_size[account], -1),
        seniority=np.where(reports, entities.seniority[entity], -1),
        job_title=np.where(reports, entities.job_title[entity], -1),
    )


def _spread(
    rng: np.random.Generator,
    entity: np.ndarray,
    types: np.ndarray,
    identified: np.ndarray,
    start: np.ndarray,
    span: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Flatten the kept cells (type >= 0) of each row, in row order, over [start, start + span)."""
    keep = types >= 0
    order = np.argsort(~keep, axis=1, kind="stable")  # kept cells to the front, order preserved
    types = np.take_along_axis(types, order, axis=1)
    identified = np.take_along_axis(identified, order, axis=1)
    counts = keep.sum(axis=1)
    row, position = fr.expand(counts)
    offsets = fr.sorted_offsets(rng, row, span.astype(np.int64))
    return entity[row], start[row] + offsets, types[row, position], identified[row, position]


def _journey_frame(
    rng: np.random.Generator,
    rules: Rules,
    world: World,
    entities: Entities,
    entity: np.ndarray,
    types: np.ndarray,
    identified: np.ndarray,
    start: np.ndarray,
    span: np.ndarray,
) -> fr.Frame:
    """Touch events for the kept cells of each journey's row of event types."""
    e, t, etype, ident = _spread(rng, entity, types, identified, start, span)
    return touch_events(rng, rules, world, entities, e, t, etype.astype(np.int16), ident)


def _matrix(n: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    return np.full((n, width), -1, np.int16), np.arange(width)[None, :]


def engagement_bursts(
    rng: np.random.Generator,
    rules: Rules,
    world: World,
    entities: Entities,
    entity: np.ndarray,
    start: np.ndarray,
    anon_prefix_max: int,
    form_share: float,
) -> fr.Frame:
    """Short bursts that end exactly at the event where engagement first reaches the threshold.

    Each row: up to `anon_prefix_max` anonymous events, a form fill (always for a first
    burst, sometimes for a return), then engagement events. The tail uses only high-point
    types, long enough to guarantee the crossing. The row is cut at the crossing, so the
    last event of each burst is the person's MQL moment.
    """
    n = len(entity)
    points = rules.engagement_points
    threshold = rules.engagement_threshold
    engagement = rules.codes(*ENGAGEMENT_TYPES)
    tail_types = engagement[points[engagement] * 2 >= points[engagement].max()]
    tail = math.ceil(threshold / points[tail_types].min()) + 1
    width = anon_prefix_max + 1 + BURST_HEAD + tail

    types, col = _matrix(n, width)
    a = rng.integers(0, anon_prefix_max + 1, n)[:, None]
    f = (rng.random(n) < form_share)[:, None]
    post = col - a - f
    anon_cell = col < a
    form_cell = (col == a) & f
    head_cell = (post >= 0) & (post < BURST_HEAD)
    tail_cell = (post >= BURST_HEAD) & (post < BURST_HEAD + tail)
    types[anon_cell] = _pick(rng, rules.codes(*ANON_TYPES), int(anon_cell.sum()), ANON_WEIGHTS)
    types[form_cell] = rules.code("form_submitted")
    types[head_cell] = _pick(rng, engagement, int(head_cell.sum()), ENGAGEMENT_WEIGHTS)
    types[tail_cell] = _pick(rng, tail_types, int(tail_cell.sum()))

    running = np.cumsum(np.where(types >= 0, points[types], 0), axis=1)
    crossing = ((col >= a) & (running >= threshold)).argmax(axis=1)
    types[col > crossing[:, None]] = -1
    span = rng.uniform(0.02, BURST_MAX_SHARE_OF_LOOKBACK, n) * rules.lookback_seconds
    return _journey_frame(rng, rules, world, entities, entity, types, col >= a, start, span)


def low_engagement_journeys(
    rng: np.random.Generator,
    rules: Rules,
    world: World,
    entities: Entities,
    entity: np.ndarray,
    start: np.ndarray,
) -> fr.Frame:
    """Fitting people whose lifetime engagement stays clearly below the threshold."""
    n = len(entity)
    points = rules.engagement_points
    form_code = rules.code("form_submitted")
    allowed = rules.engagement_threshold * (1 - CLEAR_MARGIN_SHARE) - points[form_code]
    if allowed < 0:
        raise ValueError("the seeds leave no room for fitting leads below the engagement threshold")
    types, col = _matrix(n, 3 + 1 + 6)
    a = rng.integers(0, 4, n)[:, None]
    wanted = rng.integers(0, 7, n)[:, None]
    anon_cell = col < a
    form_cell = col == a
    post_cell = (col > a) & (col <= a + wanted)
    types[anon_cell] = _pick(
        rng, rules.codes("page_viewed", "ad_clicked"), int(anon_cell.sum()), (0.8, 0.2)
    )
    types[form_cell] = form_code
    types[post_cell] = _pick(
        rng, rules.codes(*ENGAGEMENT_TYPES), int(post_cell.sum()), ENGAGEMENT_WEIGHTS
    )
    running = np.cumsum(np.where((types >= 0) & ~form_cell, points[types], 0), axis=1)
    types[(running > allowed) & ~form_cell] = -1
    span = rng.uniform(1, 150, n) * DAY
    return _journey_frame(rng, rules, world, entities, entity, types, col >= a, start, span)


def low_fit_journeys(
    rng: np.random.Generator,
    rules: Rules,
    world: World,
    entities: Entities,
    entity: np.ndarray,
    start: np.ndarray,
) -> fr.Frame:
    """People below the fit threshold: any amount of engagement, never an MQL."""
    n = len(entity)
    types, col = _matrix(n, 5 + 1 + 12)
    a = rng.integers(0, 6, n)[:, None]
    wanted = rng.integers(0, 13, n)[:, None]
    anon_cell = col < a
    post_cell = (col > a) & (col <= a + wanted)
    types[anon_cell] = _pick(rng, rules.codes(*ANON_TYPES), int(anon_cell.sum()), ANON_WEIGHTS)
    types[col == a] = rules.code("form_submitted")
    types[post_cell] = _pick(
        rng, rules.codes(*ENGAGEMENT_TYPES), int(post_cell.sum()), ENGAGEMENT_WEIGHTS
    )
    span = rng.uniform(1, 200, n) * DAY
    return _journey_frame(rng, rules, world, entities, entity, types, col >= a, start, span)


def subscriber_journeys(
    rng: np.random.Generator,
    rules: Rules,
    world: World,
    entities: Entities,
    entity: np.ndarray,
    start: np.ndarray,
) -> fr.Frame:
    """Newsletter subscribers: identified by an email touch, never fill a form, fit unknown."""
    n = len(entity)
    types, col = _matrix(n, 11)
    wanted = rng.integers(0, 11, n)[:, None]
    later = (col > 0) & (col <= wanted)
    types[:, 0] = rules.code("email_opened")
    types[later] = _pick(rng, rules.codes(*EMAIL_TYPES), int(later.sum()), EMAIL_WEIGHTS)
    span = rng.uniform(1, 200, n) * DAY
    return _journey_frame(
        rng, rules, world, entities, entity, types, np.ones_like(types, bool), start, span
    )


def anonymous_visits(
    rng: np.random.Generator,
    rules: Rules,
    world: World,
    entities: Entities,
    entity: np.ndarray,
    counts: np.ndarray,
    end: int,
) -> fr.Frame:
    """Visitors who never identify: `counts[i]` cookie-only events for entity i, before `end`."""
    row, _ = fr.expand(counts)
    span = rng.uniform(HOUR, min(30 * DAY, end / 2), len(entity)).astype(np.int64)
    start = (rng.random(len(entity)) * (end - span)).astype(np.int64)
    t = start[row] + fr.sorted_offsets(rng, row, span)
    etype = _pick(rng, rules.codes(*ANON_TYPES), len(row), (0.8, 0.15, 0.05))
    return touch_events(
        rng, rules, world, entities, entity[row], t, etype, np.zeros(len(row), bool)
    )


def engagement_after(
    rng: np.random.Generator,
    rules: Rules,
    world: World,
    entities: Entities,
    entity: np.ndarray,
    after: np.ndarray,
) -> fr.Frame:
    """A few light touches in the days after a moment (the MQL).

    Only types light enough that all of them together stay clearly below the engagement
    threshold: a rejection that recycles the lead can come before some of them, and they
    must not be enough for a return on their own.
    """
    most = 5
    engagement = rules.codes(*ENGAGEMENT_TYPES)
    light = rules.engagement_points[engagement] * most <= rules.engagement_threshold * (
        1 - CLEAR_MARGIN_SHARE
    )
    types = engagement[light]
    counts = (
        rng.integers(0, most + 1, len(entity)) if len(types) else np.zeros(len(entity), np.int64)
    )
    row, _ = fr.expand(counts)
    t = after[row] + HOUR + fr.sorted_offsets(rng, row, np.full(len(entity), 10 * DAY))
    weights = np.array(ENGAGEMENT_WEIGHTS)[light]
    etype = _pick(rng, types, len(row), tuple(weights / weights.sum()))
    return touch_events(rng, rules, world, entities, entity[row], t, etype, np.ones(len(row), bool))
