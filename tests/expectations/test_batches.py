"""Suites validated in small batches from a DuckDB warehouse give the whole-table verdict:
the planted bad rows are spread over several batches (a duplicate event_id split across
two), and the counts, the samples (first failing ids in table order) and the Data Docs
are those of one DataFrame of the whole table."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from expectations import rules
from expectations.runner import validate, validate_table
from expectations.suites import SuiteSpec, suite_specs
from orchestration import seeds

LOADED_AT = datetime(2025, 3, 10, 12, 0)
TEXT_COLUMNS = ["event_id", "event_type", "owner_id", "opportunity_id", "currency", "reason"]


def spec(name: str) -> SuiteSpec:
    (found,) = [s for s in suite_specs() if s.name == name]
    return found


def sales_event(event_id: str, event_type: str, **values: object) -> dict[str, object]:
    """A valid raw sales event with every field its type requires."""
    row: dict[str, object] = {column: None for column in TEXT_COLUMNS}
    row |= {field: "x" for field in seeds.required_fields(event_type) if field != "amount"}
    row |= {
        "event_id": event_id,
        "event_type": event_type,
        "occurred_at": LOADED_AT - timedelta(days=1),
        "amount": 10.0 if "amount" in seeds.required_fields(event_type) else None,
        "_loaded_at": LOADED_AT,
    }
    return row | values


def write_raw_sales(database: Path, rows: list[dict[str, object]]) -> None:
    frame = pd.DataFrame(rows)  # noqa: F841 (read by DuckDB below)
    text = ", ".join(f"cast({c} as varchar) as {c}" for c in TEXT_COLUMNS)
    with duckdb.connect(str(database)) as con:
        con.execute("create schema raw")
        con.execute(
            f"create table raw.sales_events as select {text}, "
            "cast(occurred_at as timestamp) as occurred_at, "
            "cast(amount as decimal(18, 2)) as amount, "
            "cast(_loaded_at as timestamp) as _loaded_at from frame"
        )


def planted_sales_rows() -> list[dict[str, object]]:
    """20 events, 3 to a batch below: a duplicate id in rows 1 and 19 (batches 1 and 7),
    12 negative amounts in rows 3..17, one event type from the wrong stream in row 8."""
    types = rules.stream_event_types("sales")
    with_amount = next(t for t in types if "amount" in seeds.required_fields(t))
    rows = [sales_event(f"ok-{n}", types[n % len(types)]) for n in range(20)]
    rows[1] = sales_event("dup", types[0])
    rows[19] = sales_event("dup", types[1])
    for n, position in enumerate([3, 4, 5, 6, 9, 10, 11, 12, 13, 14, 15, 17]):
        rows[position] = sales_event(f"neg-{n}", with_amount, amount=-1.0)
    rows[8] = sales_event("wrong-stream", rules.stream_event_types("marketing")[0])
    return rows


def test_raw_suite_in_batches_counts_every_planted_row(tmp_path: Path) -> None:
    database = tmp_path / "warehouse.duckdb"
    write_raw_sales(database, planted_sales_rows())
    outcome = validate_table(spec("raw_sales_events_integrity"), database, batch_rows=3)
    assert outcome.row_count == 20
    assert outcome.failing_rows_by_rule() == {
        "event_id_unique": 2,  # one copy in the first batch, one in the last
        "event_type_in_catalog": 1,
        "occurred_at_in_range": 0,
        "required_fields_present": 0,
        "amount_non_negative": 12,
    }
    samples = {o.rule_key: o.sample for o in outcome.failed}
    assert samples["event_id_unique"] == ["dup", "dup"]
    assert samples["amount_non_negative"] == [f"neg-{n}" for n in range(10)]  # first 10
    assert samples["event_type_in_catalog"] == ["wrong-stream"]
    assert outcome.blocks


def test_batches_give_the_whole_table_outcome(tmp_path: Path) -> None:
    database = tmp_path / "warehouse.duckdb"
    write_raw_sales(database, planted_sales_rows())
    suite = spec("raw_sales_events_integrity")
    whole = validate_table(suite, database, batch_rows=1_000)
    assert validate_table(suite, database, batch_rows=3) == whole
    assert validate_table(suite, database, batch_rows=1) == whole


def write_journey(database: Path, rows: list[tuple[str, str, float | None]]) -> None:
    with duckdb.connect(str(database)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.fct_customer_journey "
            "(event_id varchar, event_type varchar, amount decimal(18, 2))"
        )
        con.executemany("insert into marts.fct_customer_journey values (?, ?, ?)", rows)


def test_won_deals_are_read_alone_yet_the_whole_table_is_counted(tmp_path: Path) -> None:
    """Only won events reach GX; other events without an amount are no breach."""
    won = rules.won_event_types()[0]
    other = next(t for t in seeds.event_catalog() if t not in rules.won_event_types())
    rows = [(f"e-{n}", other, None) for n in range(7)]
    rows[1] = ("won-no-amount-1", won, None)
    rows[3] = ("won-ok", won, 100.0)
    rows[6] = ("won-no-amount-2", won, None)
    database = tmp_path / "warehouse.duckdb"
    write_journey(database, rows)
    outcome = validate_table(spec("won_deal_agreement"), database, batch_rows=1)
    assert outcome.row_count == 7
    assert outcome.failing_rows_by_rule() == {"won_deal_has_amount": 2}
    (failed,) = outcome.failed
    assert failed.sample == ["won-no-amount-1", "won-no-amount-2"]


def test_a_table_without_the_rows_a_suite_looks_at_passes(tmp_path: Path) -> None:
    other = next(t for t in seeds.event_catalog() if t not in rules.won_event_types())
    database = tmp_path / "warehouse.duckdb"
    write_journey(database, [("e-1", other, None), ("e-2", other, None)])
    outcome = validate_table(spec("won_deal_agreement"), database, batch_rows=1)
    assert outcome.success
    assert outcome.row_count == 2


def test_stage_sla_in_batches_equals_one_dataframe(tmp_path: Path) -> None:
    """The same suite on the same rows: batches of 2 from DuckDB, or one DataFrame."""
    slas = rules.stage_slas()
    rows = []
    for key, hours in slas.items():
        rows += [
            {"stage_entry_id": f"{key}-ok", "sla_key": key, "hours_in_stage": hours},
            {"stage_entry_id": f"{key}-late", "sla_key": key, "hours_in_stage": hours + 1},
            {"stage_entry_id": f"{key}-open", "sla_key": key, "hours_in_stage": None},
        ]
    frame = pd.DataFrame(rows)  # noqa: F841 (read by DuckDB below)
    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create schema quality")
        con.execute("create table quality.stage_sla_clocks as select * from frame")
    suite = spec("stage_sla_agreement")
    batched = validate_table(suite, database, batch_rows=2)
    assert batched == validate(suite, pd.DataFrame(rows))
    assert batched.failing_rows_by_rule() == {"stage_sla": len(slas)}
    assert sorted(s for o in batched.failed for s in o.sample) == sorted(
        f"{key}-late" for key in slas
    )


def test_one_data_docs_page_per_suite(tmp_path: Path) -> None:
    database = tmp_path / "warehouse.duckdb"
    write_raw_sales(database, planted_sales_rows())
    docs = tmp_path / "gx_data_docs"
    validate_table(spec("raw_sales_events_integrity"), database, docs, batch_rows=3)
    assert (docs / "index.html").exists()
    pages = list((docs / "validations" / "raw_sales_events_integrity").rglob("*.html"))
    assert len(pages) == 1
    assert "neg-9" in pages[0].read_text()  # a failing id of a later batch


def test_a_table_without_event_id_errors_rather_than_passes(tmp_path: Path) -> None:
    database = tmp_path / "warehouse.duckdb"
    write_raw_sales(database, planted_sales_rows())
    with duckdb.connect(str(database)) as con:
        con.execute("alter table raw.sales_events drop column event_id")
    outcome = validate_table(spec("raw_sales_events_integrity"), database, batch_rows=7)
    (unique,) = [o for o in outcome.outcomes if o.rule_key == "event_id_unique"]
    assert not unique.success and unique.error


def test_times_outside_the_nanosecond_range_are_still_judged(tmp_path: Path) -> None:
    """GX compares timestamps in one step only as nanoseconds, which end in 2262 and begin
    in 1677; a batch holding an event dated outside them is compared value by value. Early
    and late events fail in such batches as in one whose times all fit."""
    types = rules.stream_event_types("sales")
    rows = [sales_event(f"ok-{n}", types[0]) for n in range(9)]
    rows[1] = sales_event("too-early", types[0], occurred_at=datetime(1500, 1, 1))
    rows[4] = sales_event("too-late", types[0], occurred_at=datetime(2999, 1, 1))
    rows[7] = sales_event("early-2000", types[0], occurred_at=datetime(2000, 1, 1))
    database = tmp_path / "warehouse.duckdb"
    write_raw_sales(database, rows)
    outcome = validate_table(spec("raw_sales_events_integrity"), database, batch_rows=3)
    failing = {(o.column, tuple(o.sample)) for o in outcome.failed}
    assert failing == {
        ("occurred_at", ("too-early", "early-2000")),
        ("latest_accepted_at > occurred_at", ("too-late",)),
    }


def write_journey_facts(database: Path, loaded_at: datetime) -> None:
    """Journey facts as the last build left them: their newest event loaded at `loaded_at`."""
    with duckdb.connect(str(database)) as con:
        con.execute("create schema marts")
        for table in ("fct_customer_journey", "fct_journey_stage_entries"):
            con.execute(f"create table marts.{table} as select ? as loaded_at", [loaded_at])


def daily_sales_rows() -> list[dict[str, object]]:
    """8 events loaded by an earlier run (a negative amount, a duplicated id among them)
    and 4 loaded since (a negative amount, one repeating an old id)."""
    types = rules.stream_event_types("sales")
    with_amount = next(t for t in types if "amount" in seeds.required_fields(t))
    later = LOADED_AT + timedelta(days=1)
    old = [sales_event(f"old-{n}", types[n % len(types)]) for n in range(8)]
    old[2] = sales_event("old-neg", with_amount, amount=-1.0)
    old[5] = sales_event("old-dup", types[0])
    old[6] = sales_event("old-dup", types[1])
    new = [sales_event(f"new-{n}", types[n % len(types)], _loaded_at=later) for n in range(4)]
    new[1] = sales_event("new-neg", with_amount, amount=-2.0, _loaded_at=later)
    new[3] = sales_event("old-4", types[0], _loaded_at=later)
    return old + new


def test_raw_suite_checks_the_loads_since_the_last_build(tmp_path: Path) -> None:
    database = tmp_path / "warehouse.duckdb"
    write_raw_sales(database, daily_sales_rows())
    write_journey_facts(database, LOADED_AT)
    outcome = validate_table(spec("raw_sales_events_integrity"), database, batch_rows=2)
    assert outcome.row_count == 4  # the rows loaded since
    assert outcome.failing_rows_by_rule() == {
        "event_id_unique": 2,  # the new copy of old-4, and the old row it repeats
        "event_type_in_catalog": 0,
        "occurred_at_in_range": 0,
        "required_fields_present": 0,
        "amount_non_negative": 1,  # new-neg; old-neg passed an earlier build
    }
    samples = {o.rule_key: o.sample for o in outcome.failed}
    assert samples == {"event_id_unique": ["old-4", "old-4"], "amount_non_negative": ["new-neg"]}
    assert outcome.blocks


def test_raw_suite_checks_every_load_before_a_build_or_when_asked(
    tmp_path: Path, monkeypatch
) -> None:
    database = tmp_path / "warehouse.duckdb"
    write_raw_sales(database, daily_sales_rows())
    everything = {
        "event_id_unique": 4,  # old-dup twice, old-4 twice
        "event_type_in_catalog": 0,
        "occurred_at_in_range": 0,
        "required_fields_present": 0,
        "amount_non_negative": 2,
    }
    suite = spec("raw_sales_events_integrity")
    first = validate_table(suite, database, batch_rows=5)  # no journey facts yet
    assert (first.row_count, first.failing_rows_by_rule()) == (12, everything)
    write_journey_facts(database, LOADED_AT)
    monkeypatch.setenv("FUNNEL_GX_CHECK_ALL_LOADS", "true")
    asked = validate_table(suite, database, batch_rows=5)
    assert (asked.row_count, asked.failing_rows_by_rule()) == (12, everything)


def test_raw_suite_passes_when_the_bad_rows_were_loaded_before_the_last_build(
    tmp_path: Path,
) -> None:
    database = tmp_path / "warehouse.duckdb"
    rows = [r for r in daily_sales_rows() if r["_loaded_at"] == LOADED_AT]
    rows.append(sales_event("new-ok", rules.stream_event_types("sales")[0],
                            _loaded_at=LOADED_AT + timedelta(hours=1)))  # fmt: skip
    write_raw_sales(database, rows)
    write_journey_facts(database, LOADED_AT)
    outcome = validate_table(spec("raw_sales_events_integrity"), database, batch_rows=5)
    assert outcome.success
    assert outcome.row_count == 1
