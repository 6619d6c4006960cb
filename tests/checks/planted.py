"""Small hand-made landing data with a known number of rule breaches, and a dbt runner.

Every timing is derived from the seeds (SLA hours, lead-rule thresholds and points), so a
planted breach stays a breach when the agreement changes; what each person does, and so
what each rule must report, is written down here by hand.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from orchestration import seeds
from orchestration.ingest.loader import load_all
from tests.dbt_runner import dbt, dbt_target

BASE = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def at(hours: float) -> str:
    """An ISO-8601 UTC timestamp `hours` after the base moment."""
    return (BASE + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")


def handoff_sla() -> dict[str, str]:
    """The SLA clocked from an event (the handoff), from the stage_slas seed."""
    (row,) = [r for r in seeds.read_seed("stage_slas") if r["clock_starts_event_type"]]
    return row


def stage_sla_hours(stage_key: str) -> float:
    """SLA hours of the SLA clocked from entering `stage_key`."""
    (row,) = [r for r in seeds.read_seed("stage_slas") if r["from_stage"] == stage_key]
    return float(row["sla_hours"])


def entered_by(event_type: str) -> str:
    return seeds.event_catalog()[event_type]["enters_stage"]


def reasons_of(reason_type: str) -> list[str]:
    return [key for key, row in seeds.reasons().items() if row["reason_type"] == reason_type]


def _fit_properties(best: bool) -> dict[str, str]:
    """Firmographics with the highest (or lowest) fit points of every attribute."""
    by_attribute: dict[str, list[tuple[int, str]]] = {}
    for row in seeds.read_seed("lead_fit_points"):
        by_attribute.setdefault(row["attribute"], []).append(
            (int(row["points"]), row["attribute_value"])
        )
    pick = max if best else min
    return {attribute: pick(values)[1] for attribute, values in by_attribute.items()}


@dataclass
class Landing:
    """Events of a planted dataset, per stream, written as JSON lines."""

    marketing: list[dict] = field(default_factory=list)
    sales: list[dict] = field(default_factory=list)
    counter: int = 0

    def event(self, event_type: str, hours: float, **fields: object) -> dict:
        self.counter += 1
        record = {"event_id": f"ev-{self.counter:04d}", "event_type": event_type,
                  "occurred_at": at(hours), **fields}  # fmt: skip
        stream = seeds.event_catalog()[event_type]["stream"]
        getattr(self, stream).append(record)
        return record

    def write(self, root: Path) -> Path:
        for stream in ("marketing", "sales"):
            path = root / stream / "planted.jsonl"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("".join(json.dumps(r) + "\n" for r in getattr(self, stream)))
        return root

    # --- journeys -------------------------------------------------------------------------

    def lead(self, email: str, start: float, qualified: bool) -> float:
        """A form fill, then the most engaging touch until the lead rule's engagement
        threshold is reached. With the best firmographics the person becomes an MQL; with the
        worst they stay a lead. Returns the time of the last touch."""
        rule = seeds.lead_rule()
        points = {
            r["event_type"]: int(r["points"]) for r in seeds.read_seed("lead_engagement_points")
        }
        (form_type,) = [
            t for t, row in seeds.event_catalog().items() if row["is_identifying"] == "true"
        ]
        touch = max(points, key=lambda t: points[t])
        self.event(form_type, start, email=email, properties=_fit_properties(best=qualified),
                   **_required_extras(form_type))  # fmt: skip
        total, hours = points.get(form_type, 0), start
        while total < int(rule["engagement_threshold"]):
            hours += 1 / 6
            self.event(touch, hours, email=email, **_required_extras(touch))
            total += points[touch]
        assert hours - start < 1, "the planted lead must qualify within an hour"
        return hours


def _required_extras(event_type: str) -> dict[str, str]:
    """Placeholder values for the catalog's required fields other than identities."""
    values = {
        "campaign_id": "cmp-1",
        "channel": "email",
        "content_id": "cnt-1",
        "owner_id": "owner-x",
    }
    required = seeds.required_fields(event_type)
    return {name: values[name] for name in required if name in values}


def run_dbt(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run dbt against `database`, which may fail (the planted data breaks rules)."""
    return dbt(list(args), database, check=False)


def load_landing(landing: Landing, root: Path) -> Path:
    """Write the landing files, load them into a fresh warehouse; the warehouse path."""
    database = root / "warehouse.duckdb"
    results = load_all(database, landing.write(root / "landing"))
    assert all(r.rows_quarantined == 0 for r in results), [r for r in results if r.rows_quarantined]
    return database


def dbt_test_failures(database: Path) -> dict[str, int]:
    """Failing-row count per data test name from dbt's last run_results.json."""
    results = json.loads((dbt_target(database) / "run_results.json").read_text())
    return {r["unique_id"].split(".")[2]: int(r.get("failures") or 0) for r in results["results"]
            if r["unique_id"].startswith("test.")}  # fmt: skip


# --- the planted datasets -----------------------------------------------------------------


def _handoff(landing: Landing, email: str, hours: float, owner: str) -> None:
    landing.event(handoff_sla()["clock_starts_event_type"], hours, email=email, owner_id=owner)


def _sales(
    landing: Landing, event_type: str, email: str, hours: float, owner: str, **extra: object
) -> None:
    landing.event(event_type, hours, email=email, owner_id=owner, **extra)


def _types_entering(stage_key: str) -> str:
    (event_type,) = [
        t for t, row in seeds.event_catalog().items() if row["enters_stage"] == stage_key
    ]
    return event_type


def _first_type_entering(*stage_keys: str) -> str:
    return next(t for t, row in seeds.event_catalog().items() if row["enters_stage"] in stage_keys)


ACCEPT = "lead_accepted"
REJECT = "lead_rejected"
MEETING = "meeting_held"
CREATE = "opportunity_created"
WIN = "deal_won"


def kept_journeys(landing: Landing) -> None:
    """Journeys that keep every agreed rule."""
    sla = float(handoff_sla()["sla_hours"])
    # k1: MQL, handed off, accepted and qualified in time, opportunity, won with an amount.
    landing.lead("k1@acme.com", 0, qualified=True)
    _handoff(landing, "k1@acme.com", 3, "owner-1")
    _sales(landing, ACCEPT, "k1@acme.com", 3 + sla / 4, "owner-1")
    _sales(landing, MEETING, "k1@acme.com", 3 + sla / 2, "owner-1")
    _sales(landing, CREATE, "k1@acme.com", 3 + sla, "owner-1", opportunity_id="opp-k1")
    _sales(landing, WIN, "k1@acme.com", 4 + sla, "owner-1", opportunity_id="opp-k1",
           amount=1000, currency="EUR")  # fmt: skip
    # k2: MQL, handed off, rejected in time with an allowed (recycling) reason.
    recycle = next(
        r for r in reasons_of("rejection") if seeds.reasons()[r]["exit_stage"] == "recycled"
    )
    landing.lead("k2@acme.com", 0, qualified=True)
    _handoff(landing, "k2@acme.com", 3, "owner-2")
    _sales(landing, REJECT, "k2@acme.com", 3 + sla / 2, "owner-2", reason=recycle)
    # k3: a sales-sourced opportunity with no person, won with an amount.
    landing.event(CREATE, 50, opportunity_id="opp-k3", owner_id="owner-3", account_id="acc-k3")
    landing.event(WIN, 60, opportunity_id="opp-k3", owner_id="owner-3", account_id="acc-k3",
                  amount=500, currency="EUR")  # fmt: skip


def end_of_data(landing: Landing, hours: float) -> None:
    """An anonymous page view that sets the end of the data."""
    landing.event("page_viewed", hours, anonymous_id="visitor-end")


CLEAN_END_HOURS = 100.0


def clean_landing() -> Landing:
    """Only journeys that keep every rule."""
    landing = Landing()
    kept_journeys(landing)
    end_of_data(landing, CLEAN_END_HOURS)
    return landing


def business_landing() -> tuple[Landing, dict[str, int]]:
    """Kept journeys plus planted breaches of the agreed business rules; with the expected
    number of breaches per rule, counted by hand from what each journey does."""
    landing = Landing()
    kept_journeys(landing)
    sla = float(handoff_sla()["sla_hours"])
    sal_sla = stage_sla_hours(entered_by(ACCEPT))
    end = 3 + sal_sla + 2 * sla + 48  # after the planted SAL breach, before the SQL SLAs run out
    # Handoff answered late (1.5 x SLA), then qualified the next hour.
    landing.lead("late@acme.com", 0, qualified=True)
    _handoff(landing, "late@acme.com", 3, "owner-2")
    _sales(landing, ACCEPT, "late@acme.com", 3 + 1.5 * sla, "owner-2")
    _sales(landing, MEETING, "late@acme.com", 4 + 1.5 * sla, "owner-2")
    # Handoff never answered.
    landing.lead("ghosted@acme.com", 0, qualified=True)
    _handoff(landing, "ghosted@acme.com", 3, "owner-1")
    # Rejections in time, one with a loss reason, one with a reason not in the seed.
    landing.lead("lossreason@acme.com", 0, qualified=True)
    _handoff(landing, "lossreason@acme.com", 3, "owner-1")
    _sales(landing, REJECT, "lossreason@acme.com", 4, "owner-1", reason=reasons_of("loss")[0])
    landing.lead("badreason@acme.com", 0, qualified=True)
    _handoff(landing, "badreason@acme.com", 3, "owner-1")
    _sales(landing, REJECT, "badreason@acme.com", 4, "owner-1", reason="no_reason_in_seed")
    # Two leads handed off that never met the lead rule (worst fit), accepted and qualified.
    for email in ("unfit1@acme.com", "unfit2@acme.com"):
        landing.lead(email, 0, qualified=False)
        _handoff(landing, email, 3, "owner-3")
        _sales(landing, ACCEPT, email, 4, "owner-3")
        _sales(landing, MEETING, email, 5, "owner-3")
    # An MQL never handed off.
    landing.lead("forgotten@acme.com", 0, qualified=True)
    # Accepted in time, but qualified a day after the SAL SLA ran out.
    landing.lead("slow@acme.com", 0, qualified=True)
    _handoff(landing, "slow@acme.com", 3, "owner-2")
    _sales(landing, ACCEPT, "slow@acme.com", 4, "owner-2")
    _sales(landing, MEETING, "slow@acme.com", 4 + sal_sla + 24, "owner-2")
    # Handed off, and sales made an opportunity without accepting the lead first.
    landing.lead("skipped@acme.com", 0, qualified=True)
    _handoff(landing, "skipped@acme.com", 3, "owner-3")
    _sales(landing, CREATE, "skipped@acme.com", 5, "owner-3", opportunity_id="opp-skipped")
    end_of_data(landing, end)
    expected = {
        "handoff_lead_rule_met": 2,
        "mql_handed_off": 1,
        "handoff_response_sla": 3,  # late, never answered, and "skipped" (never accepted)
        "rejection_reason_allowed": 2,
        "stage_sla": 1,
        "opportunity_from_accepted_lead": 1,
        "won_deal_has_amount": 1,  # planted straight into the raw log: see plant_won_without_amount
    }
    return landing, expected


def plant_won_without_amount(database: Path) -> None:
    """A won deal with no amount. The loader quarantines such records (amount is required),
    so it is written straight into the raw log, as a legacy backfill would."""
    import duckdb

    with duckdb.connect(str(database)) as con:
        con.execute(
            """
            insert into raw.sales_events
            select * replace (
                'ev-no-amount' as event_id, 'opp-no-amount' as opportunity_id,
                null as amount, 'acc-no-amount' as account_id
            )
            from raw.sales_events
            where opportunity_id = 'opp-k3' and amount is not null
            """
        )


def dbt_statuses(database: Path) -> dict[str, str]:
    """Status per node (pass, fail, warn, success, skipped...) of dbt's last run."""
    results = json.loads((dbt_target(database) / "run_results.json").read_text())
    return {r["unique_id"]: r["status"] for r in results["results"]}
