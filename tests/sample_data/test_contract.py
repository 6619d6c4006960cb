"""Every valid record honours the raw event contract and the event catalog."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import jsonschema

from tests.sample_data.conftest import Sample
from tests.sample_data.records import CATALOG, CONTRACT, parse_time
from tests.sample_data.reference import journeys


def test_every_loadable_line_validates_against_the_json_schema(jsonl_sample: Sample):
    validator = jsonschema.Draft202012Validator(CONTRACT)
    loaded = jsonl_sample.loaded()
    assert len(loaded) == jsonl_sample.truth["valid_events"]
    errors = [
        (record["event_id"], e.message) for record in loaded for e in validator.iter_errors(record)
    ]
    assert errors == []


def test_every_event_type_is_in_the_catalog_and_in_its_streams_folder(jsonl_sample: Sample):
    for judged in jsonl_sample.judged:
        if judged.outcome == "load":
            entry = CATALOG[judged.line.record["event_type"]]
            assert entry["stream"] == judged.line.stream


def test_event_ids_of_loadable_records_are_unique(jsonl_sample: Sample):
    ids = [record["event_id"] for record in jsonl_sample.loaded()]
    assert len(ids) == len(set(ids))


def test_times_lie_inside_the_data_window(jsonl_sample: Sample):
    args = jsonl_sample.truth["args"]
    start = datetime.fromisoformat(args["start"]).replace(tzinfo=UTC)
    end = start + timedelta(days=args["days"])
    moments = [parse_time(record["occurred_at"]) for record in jsonl_sample.loaded()]
    assert min(moments) >= start
    assert max(moments) < end


def test_about_a_fifth_of_timestamps_carry_a_non_utc_offset(jsonl_sample: Sample):
    stamps = [record["occurred_at"] for record in jsonl_sample.loaded()]
    share = sum(not s.endswith("Z") for s in stamps) / len(stamps)
    assert 0.12 < share < 0.25


def test_no_two_events_of_a_journey_share_a_timestamp(jsonl_sample: Sample):
    for journey in journeys(jsonl_sample.loaded()):
        moments = [event["_at"] for event in journey.events]
        assert len(moments) == len(set(moments))


def test_catalog_required_fields_are_present(jsonl_sample: Sample):
    missing = defaultdict(int)
    for record in jsonl_sample.loaded():
        for required in filter(None, CATALOG[record["event_type"]]["required_fields"].split("|")):
            if record.get(required) in (None, ""):
                missing[(record["event_type"], required)] += 1
    assert dict(missing) == {}


def test_person_less_deal_events_exist_and_resolve_through_their_opportunity(jsonl_sample: Sample):
    """Some close events name only the opportunity; each such opportunity was created with a
    person or is itself a person-less journey, never an orphan."""
    loaded = jsonl_sample.loaded()
    created = {r["opportunity_id"] for r in loaded if r["event_type"] == "opportunity_created"}
    bare = [
        r
        for r in loaded
        if r["event_type"] in ("deal_won", "deal_lost", "customer_renewed", "customer_churned")
        and not any(r.get(k) for k in ("anonymous_id", "email", "contact_id"))
    ]
    assert bare
    assert all(r["opportunity_id"] in created for r in bare)
