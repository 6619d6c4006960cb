"""Generate one deterministic sample of landing files and its ground truth."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

from orchestration.sample_data import bad_records as bad
from orchestration.sample_data import frame as fr
from orchestration.sample_data import journeys, landing, marketing, render, spend, truth
from orchestration.sample_data.rules import DAY, Rules, load_rules
from orchestration.sample_data.world import (
    Entities,
    Kind,
    World,
    build_entities,
    build_world,
    concat_entities,
)

DEFAULT_START = date(2025, 1, 1)
DEFAULT_DAYS = 365
DEFAULT_BAD_SHARE = 0.01
MIN_EVENTS = 500
MIN_DAYS = 30
SPEND_SHARE = 0.03  # of valid events, at most one row per campaign per day
JOURNEY_SHARE = 0.6  # of non-spend events aimed at identified journeys; visitors fill the rest
MAX_JOURNEY_SHARE = 0.85
EVENTS_PER_JOURNEY = 8.0  # measured average over the kind mix; only sizes the population


def _check_args(
    rules: Rules, events: int, fmt: str, bad_share: float, start: date, days: int
) -> None:
    if events < MIN_EVENTS:
        raise ValueError(f"events must be at least {MIN_EVENTS}")
    if fmt not in landing.FORMATS:
        raise ValueError(f"format must be one of {landing.FORMATS}")
    if not 0 <= bad_share < 0.5:
        raise ValueError("bad_share must be in [0, 0.5)")
    if days < MIN_DAYS:
        raise ValueError(f"days must be at least {MIN_DAYS}")
    # Valid events must pass the loader's time limits, or the ground truth would be wrong.
    if start < date.fromisoformat(rules.earliest_occurred_at):
        raise ValueError(f"start must not be before {rules.earliest_occurred_at}")
    if start + timedelta(days=days) > datetime.now(UTC).date():
        raise ValueError("the data window (start + days) must end in the past")


def valid_events(
    rng: np.random.Generator, rules: Rules, budget: int, days: int
) -> tuple[fr.Frame, fr.Frame, World, Entities]:
    """Exactly `budget` valid events: (journey events sorted by journey, spend, world, entities)."""
    n_journeys = max(10, int(JOURNEY_SHARE * budget / EVENTS_PER_JOURNEY))
    world = build_world(rng, rules, n_accounts=max(20, n_journeys // 3))
    spend_events = spend.campaign_spend(rng, rules, world, days, round(SPEND_SHARE * budget))
    people_budget = budget - fr.size(spend_events)

    entities = build_entities(rng, rules, world, journeys.journey_kinds(rng, n_journeys))
    built = journeys.build_journeys(rng, rules, world, entities, days)
    built = journeys.within_budget(built, int(MAX_JOURNEY_SHARE * people_budget))

    # Anonymous visitors top the sample up to exactly the budget.
    counts = journeys.visitor_counts(rng, people_budget - fr.size(built))
    visitors = build_entities(rng, rules, world, np.full(len(counts), int(Kind.VISITOR), np.int8))
    entities = concat_entities([entities, visitors])
    visitor_ids = np.arange(len(entities) - len(counts), len(entities))
    end = days * DAY - journeys.END_MARGIN
    visits = marketing.anonymous_visits(rng, rules, world, entities, visitor_ids, counts, end)
    return journeys.finalize(fr.concat([built, visits])), spend_events, world, entities


def generate(
    out_dir: Path,
    events: int,
    seed: int,
    fmt: str = "jsonl",
    bad_share: float = DEFAULT_BAD_SHARE,
    start: date = DEFAULT_START,
    days: int = DEFAULT_DAYS,
) -> truth.GroundTruth:
    """Write `events` records (valid events plus a `bad_share` of bad ones) under `out_dir`.

    Same arguments, same bytes. Returns the ground truth also written to
    `out_dir/_ground_truth.json`.
    """
    rules = load_rules()
    _check_args(rules, events, fmt, bad_share, start, days)
    out_dir = Path(out_dir)
    # Independent streams: the bad records a format can carry never change the valid events.
    journey_rng, render_rng, bad_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3)
    )
    start_epoch = int(datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp())
    n_bad = round(bad_share * events)

    person_events, spend_events, world, entities = valid_events(
        journey_rng, rules, events - n_bad, days
    )
    all_valid = fr.concat([person_events, spend_events])
    facts = truth.journey_truth(rules, person_events, entities) | truth.event_counts(
        rules, all_valid
    )
    all_valid = fr.take(all_valid, render.file_order(rules, all_valid, start_epoch))
    valid = render.render(render_rng, rules, world, entities, all_valid, start_epoch)

    planned, skipped = bad.plan(rules, n_bad, fmt)
    bad_rows = bad.bad_records(bad_rng, rules, valid, planned, fmt)
    landing.clear_landing(out_dir, rules.streams)
    files = landing.write_landing(out_dir, pa.concat_tables([valid, bad_rows]), fmt)

    ground_truth = truth.GroundTruth(
        args={
            "events": events,
            "seed": seed,
            "format": fmt,
            "bad_share": bad_share,
            "start": start.isoformat(),
            "days": days,
        },
        records_written=sum(files.values()),
        duplicates=planned[bad.DUPLICATE],
        quarantined={key: planned[key] for key in rules.quarantine_keys},
        bad_kinds_skipped=skipped,
        files=files,
        **facts,
    )
    text = json.dumps(ground_truth.to_dict(), indent=2) + "\n"
    (out_dir / landing.GROUND_TRUTH_FILE).write_text(text, encoding="utf-8")
    return ground_truth
