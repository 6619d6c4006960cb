"""The expectation suites: one per guarded table, every expectation tagged with its rule.

Each suite says which table it reads (the SQL), which Dagster asset it guards, and builds
its expectations from the seeds. `meta.rule_key` ties every expectation to a row of the
data_quality_rules seed, which decides its severity.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

import great_expectations as gx
import great_expectations.expectations as gxe
from great_expectations.expectations.row_conditions import Column, Condition

from expectations import rules
from orchestration import seeds
from orchestration.ingest.tables import events_table


@dataclass(frozen=True)
class SuiteSpec:
    """A suite, the table it validates and the asset it guards."""

    name: str
    asset_key: tuple[str, ...]
    sql: str
    build: Callable[[], list[gxe.Expectation]]
    id_column: str = "event_id"
    # Columns whose copies over the whole table the runner counts into `<column>_copies`.
    copies_of: tuple[str, ...] = ()
    # SQL filter for the only rows the expectations look at (all have a matching row_condition).
    where: str = ""
    # The column recording when a row was loaded, on an append-only log: the suite then
    # checks the rows loaded since the last finished build (expectations/tables.py
    # `loads_scope`), and every row while there is none.
    loaded_at_column: str = ""

    def suite(self) -> gx.ExpectationSuite:
        return gx.ExpectationSuite(name=self.name, expectations=self.build())

    def rule_keys(self) -> set[str]:
        return {e.meta["rule_key"] for e in self.build()}

    @property
    def is_blocking(self) -> bool:
        """Blocks downstream assets when any of its rules is an integrity (error) rule."""
        known = rules.data_quality_rules()
        return any(known[key].is_blocking for key in self.rule_keys())


def copies_column(column: str) -> str:
    """The column holding how many rows of the whole table share the row's `column` value."""
    return f"{column}_copies"


def sql_list(values: Iterable[object]) -> str:
    """The values as a SQL list of text literals."""
    return ", ".join("'" + str(value).replace("'", "''") + "'" for value in values)


def _meta(rule_key: str) -> dict[str, str]:
    if rule_key not in rules.data_quality_rules():
        raise KeyError(f"{rule_key} is not in seeds/data_quality_rules.csv")
    return {"rule_key": rule_key}


def _any_of(column: str, values: list[str]) -> Condition:
    """Rows whose `column` is one of `values`."""
    conditions = [Column(column) == value for value in values]
    combined = conditions[0]
    for condition in conditions[1:]:
        combined = combined | condition
    return combined


def raw_events_expectations(stream: str) -> list[gxe.Expectation]:
    """Integrity of one raw event stream."""
    earliest, _ = rules.ingestion_limits()
    expectations: list[gxe.Expectation] = [
        # Unique over the whole table though validated in batches: every copy of a repeated
        # event_id fails, as ExpectColumnValuesToBeUnique counts them.
        gxe.ExpectColumnValuesToBeBetween(
            column=copies_column("event_id"), max_value=1, meta=_meta("event_id_unique"),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="event_type", value_set=rules.stream_event_types(stream),
            meta=_meta("event_type_in_catalog"),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="occurred_at", min_value=datetime.fromisoformat(earliest),
            meta=_meta("occurred_at_in_range"),
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="latest_accepted_at", column_B="occurred_at", or_equal=True,
            meta=_meta("occurred_at_in_range"),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="amount", min_value=0, meta=_meta("amount_non_negative"),
        ),
    ]  # fmt: skip
    for event_type in rules.stream_event_types(stream):
        for field in seeds.required_fields(event_type):
            expectations.append(
                gxe.ExpectColumnValuesToNotBeNull(
                    column=field,
                    row_condition=Column("event_type") == event_type,
                    meta=_meta("required_fields_present"),
                )
            )
    return expectations


def raw_events_sql(stream: str) -> str:
    """The raw stream with the latest accepted occurred_at per row (load time + tolerance)."""
    _, tolerance_hours = rules.ingestion_limits()
    return (
        f"select * exclude (amount, occurred_at), cast(amount as double) as amount, "
        f"cast(occurred_at as timestamp) as occurred_at, "
        f"_loaded_at + to_seconds({int(tolerance_hours * 3600)}) as latest_accepted_at "
        f"from {events_table(stream)}"
    )


def handoff_expectations() -> list[gxe.Expectation]:
    """The lead rule and the handoff rule on every handoff."""
    sla_hours = float(rules.handoff_sla()["sla_hours"])
    return [
        gxe.ExpectColumnValuesToBeInSet(
            column="met_lead_rule_at_handoff", value_set=[True],
            meta=_meta("handoff_lead_rule_met"),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="response_hours", max_value=sla_hours, meta=_meta("handoff_response_sla"),
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="answer_event_id", row_condition=Column("is_due") == True,  # noqa: E712
            meta=_meta("handoff_response_sla"),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="answer_reason", value_set=rules.allowed_rejection_reasons(),
            row_condition=Column("is_rejection") == True,  # noqa: E712
            meta=_meta("rejection_reason_allowed"),
        ),
    ]  # fmt: skip


def stage_sla_expectations() -> list[gxe.Expectation]:
    """Each stage-entry SLA: time in the stage within the agreed hours."""
    return [
        gxe.ExpectColumnValuesToBeBetween(
            column="hours_in_stage", max_value=hours,
            row_condition=Column("sla_key") == sla_key,
            meta=_meta("stage_sla"),
        )
        for sla_key, hours in rules.stage_slas().items()
    ]  # fmt: skip


def journey_expectations() -> list[gxe.Expectation]:
    """Won deals carry an amount."""
    won = _any_of("event_type", rules.won_event_types())
    return [
        gxe.ExpectColumnValuesToNotBeNull(
            column="amount", row_condition=won,
            meta=_meta("won_deal_has_amount"),
        )
    ]  # fmt: skip


def suite_specs() -> list[SuiteSpec]:
    """Every suite the job runs."""
    specs = [
        SuiteSpec(
            name=f"raw_{stream}_events_integrity",
            asset_key=("raw", f"{stream}_events"),
            sql=raw_events_sql(stream),
            build=lambda stream=stream: raw_events_expectations(stream),
            copies_of=("event_id",),
            loaded_at_column="_loaded_at",
        )
        for stream in sorted({row["stream"] for row in seeds.event_catalog().values()})
    ]
    specs += [
        SuiteSpec(
            name="handoff_agreement",
            asset_key=("quality", "handoff_responses"),
            sql="select * from quality.handoff_responses",
            build=handoff_expectations,
            id_column="handoff_event_id",
        ),
        SuiteSpec(
            name="stage_sla_agreement",
            asset_key=("quality", "stage_sla_clocks"),
            sql="select * from quality.stage_sla_clocks",
            build=stage_sla_expectations,
            id_column="stage_entry_id",
        ),
        SuiteSpec(
            name="won_deal_agreement",
            asset_key=("marts", "fct_customer_journey"),
            sql="select event_id, event_type, cast(amount as double) as amount "
            "from marts.fct_customer_journey",
            build=journey_expectations,
            where=f"event_type in ({sql_list(rules.won_event_types())})",
        ),
    ]
    return specs
