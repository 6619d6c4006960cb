"""Daily campaign spend: one event per campaign per day of its flight, no person."""

from __future__ import annotations

import numpy as np

from orchestration.sample_data import frame as fr
from orchestration.sample_data.rules import DAY, Rules
from orchestration.sample_data.world import CHANNELS, World

# Typical daily spend in dollars per channel (organic: content production and tooling).
DAILY_DOLLARS = {
    "paid_search": 900,
    "paid_social": 650,
    "email": 120,
    "events": 1500,
    "content_syndication": 400,
    "organic": 60,
}


def campaign_spend(
    rng: np.random.Generator, rules: Rules, world: World, days: int, target_rows: int
) -> fr.Frame:
    """Spend rows at 00:00 UTC of each flight day; flights shrink so small samples stay small."""
    flight = int(np.clip(round(target_rows / world.n_campaigns), 1, days))
    first_day = rng.integers(0, days - flight + 1, world.n_campaigns)
    campaign, day = fr.expand(np.full(world.n_campaigns, flight))
    day = first_day[campaign] + day
    base = np.array([DAILY_DOLLARS[name] for name in CHANNELS])[world.campaign_channel[campaign]]
    cents = np.round(base * rng.lognormal(0, 0.35, len(day)) * 100).astype(np.int64)
    return fr.make(
        len(day), t=day * DAY, etype=rules.code("campaign_spend"), campaign=campaign, amount=cents
    )
