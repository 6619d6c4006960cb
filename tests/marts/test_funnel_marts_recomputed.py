"""Funnel marts on the session sample, recomputed independently from the fact tables.

Each test works a mart's figures out again in pandas, straight from the journey fact
tables and the seeds, following the formula written in models/marts/_funnel__docs.md, and
compares them with what dbt built.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from orchestration import seeds
from tests.marts.conftest import read_table

SECONDS_PER_DAY = 86_400


def test_lead_to_customer_rate_is_journeys_won_over_journeys_that_entered(
    warehouse, stage_entries, stage_roles
):
    first_stage = stage_roles.index[stage_roles.is_first_stage][0]
    won_stage = stage_roles.index[stage_roles.is_won_stage][0]
    entered = stage_entries[stage_entries.stage_key == first_stage]
    first_entry = entered.groupby("journey_key").entered_at.min()
    won = (
        stage_entries[stage_entries.stage_key == won_stage].groupby("journey_key").entered_at.max()
    )
    reached = (won.reindex(first_entry.index) >= first_entry).sum()
    expected_rate = reached / len(first_entry)

    entered_count, won_count = warehouse.query(
        "select sum(journeys_entered_count), sum(journeys_reached_won_count)"
        " from marts.funnel_conversion_by_cohort where stage_key = ?",
        [first_stage],
    )[0]
    assert (entered_count, won_count) == (len(first_entry), reached)
    assert won_count / entered_count == pytest.approx(expected_rate)


def test_median_and_p90_days_in_stage(warehouse, stage_entries):
    done = stage_entries.dropna(subset=["next_stage_entered_at"])
    days = (done.next_stage_entered_at - done.entered_at).dt.total_seconds() / SECONDS_PER_DAY
    expected = days.groupby(done.stage_key).quantile([0.5, 0.9]).unstack()
    velocity = read_table(
        warehouse.database,
        "select stage_key, median_days_in_stage, p90_days_in_stage from marts.stage_velocity"
        " where completed_entries_count > 0",
    ).set_index("stage_key")
    assert sorted(velocity.index) == sorted(expected.index)
    for stage, row in velocity.iterrows():
        assert row.median_days_in_stage == pytest.approx(expected.loc[stage, 0.5], rel=1e-9)
        assert row.p90_days_in_stage == pytest.approx(expected.loc[stage, 0.9], rel=1e-9)


def test_stalled_journeys_are_past_the_sla_of_their_current_stage(warehouse, journey_events):
    slas = {row["from_stage"]: row for row in seeds.read_seed("stage_slas")}
    as_of = journey_events.occurred_at.max()
    known = journey_events.dropna(subset=["stage_key"]).sort_values("event_sequence_number")
    current = known.groupby("journey_key").tail(1).set_index("journey_key")
    events_by_journey = dict(tuple(journey_events.groupby("journey_key")))
    expected = set()
    for journey, row in current.iterrows():
        sla = slas.get(row.stage_key)
        if sla is None:
            continue
        clock = row.stage_entered_at
        if sla["clock_starts_event_type"]:
            events = events_by_journey[journey]
            clock = events[
                (events.event_type == sla["clock_starts_event_type"])
                & (events.occurred_at >= row.stage_entered_at)
            ].occurred_at.max()
            if pd.isna(clock):
                continue
        if (as_of - clock).total_seconds() / 3600 > float(sla["sla_hours"]):
            expected.add(journey)
    stalled = {key for (key,) in warehouse.query("select journey_key from marts.stalled_journeys")}
    assert stalled == expected


def _expected_credits(
    touches: pd.DataFrame, lead_sequence: float, converted_at: pd.Timestamp, model: dict
) -> np.ndarray:
    n = len(touches)
    first = np.arange(n) == 0
    last = np.arange(n) == n - 1
    lead = (touches.event_sequence_number.to_numpy() == lead_sequence) & (
        float(model["lead_touch_weight"]) > 0
    )
    other = ~first & ~last & ~lead
    age = (converted_at - touches.occurred_at).dt.total_seconds().to_numpy() / SECONDS_PER_DAY
    decay = 0.5 ** (age / float(model["half_life_days"])) if model["half_life_days"] else 1.0
    raw = (
        first * float(model["first_touch_weight"])
        + lead * float(model["lead_touch_weight"])
        + last * float(model["last_touch_weight"])
        + np.where(other, float(model["other_touches_weight"]) / max(other.sum(), 1), 0.0)
        + float(model["every_touch_weight"]) * decay
    )
    return raw / raw.sum()


def test_attribution_credits_match_each_model_recomputed(
    warehouse, stage_entries, journey_events, stage_roles
):
    models = seeds.read_seed("attribution_models")
    forward = set(stage_roles.index[stage_roles.is_forward_stage])
    first_stage = stage_roles.index[stage_roles.is_first_stage][0]
    sequence = journey_events.set_index("event_id").event_sequence_number
    entries = stage_entries[stage_entries.stage_key.isin(forward)].copy()
    entries["sequence"] = entries.entered_by_event_id.map(sequence)
    touches = journey_events[journey_events.is_touch].sort_values("event_sequence_number")
    by_journey = dict(tuple(touches.groupby("journey_key")))
    lead_entries = entries[entries.stage_key == first_stage].groupby("journey_key").sequence.min()
    credits = read_table(
        warehouse.database,
        "select stage_entry_id, attribution_model_key, touch_event_id, attribution_credit"
        " from marts.stage_attribution",
    ).set_index(["stage_entry_id", "attribution_model_key", "touch_event_id"])
    checked = 0
    for entry in entries.itertuples():
        journey_touches = by_journey.get(entry.journey_key)
        if journey_touches is None:
            continue
        before = journey_touches[journey_touches.event_sequence_number <= entry.sequence]
        if before.empty:
            continue
        lead_sequence = np.nan
        if entry.journey_key in lead_entries.index:
            candidates = journey_touches[
                journey_touches.event_sequence_number <= lead_entries[entry.journey_key]
            ]
            if not candidates.empty:
                lead_sequence = candidates.event_sequence_number.max()
        for model in models:
            expected = _expected_credits(before, lead_sequence, entry.entered_at, model)
            key = model["attribution_model_key"]
            for touch_id, credit in zip(before.event_id, expected, strict=True):
                actual = float(
                    credits.loc[(entry.stage_entry_id, key, touch_id), "attribution_credit"]
                )
                assert actual == pytest.approx(credit, abs=5e-7), (entry.stage_entry_id, key)
                checked += 1
    assert checked == len(credits)


def test_daily_snapshot_counts_match_the_stage_after_the_last_event_of_each_day(
    warehouse, journey_events
):
    known = journey_events.dropna(subset=["stage_key"]).sort_values(
        ["journey_key", "event_sequence_number"]
    )
    days = pd.to_datetime(
        np.quantile(known.occurred_at.astype("int64"), [0.2, 0.5, 0.8])
    ).normalize()
    for day in days:
        end_of_day = day + pd.Timedelta(days=1)
        as_of = known[known.occurred_at < end_of_day].groupby("journey_key").tail(1)
        expected = as_of.stage_key.value_counts().to_dict()
        snapshot = dict(
            warehouse.query(
                "select stage_key, journeys_in_stage_count from marts.daily_funnel_snapshot"
                " where snapshot_date = ? and journeys_in_stage_count > 0",
                [day.date()],
            )
        )
        assert snapshot == expected, day
