"""The bare-DuckDB references, run as their own process: `python -m bench.bare ACTION ...`.

- `read_json` / `read_parquet`: read the landing files into one table with explicit
  columns, nothing else (no validation, no ledger, no quarantine).
- `window_pass`: one hand-written SQL statement that derives each person's stage entries
  with window functions from that table: dedup, identity stitching (contact and anonymous
  id to the first email seen with them, person-less sales events to their opportunity's
  person), the lead rule (fit from the latest firmographics, engagement over the look-back
  window), the first identification, and entries that only move forward. It leaves out
  what the dbt project adds on top (journey cycles after recycling, hashing, the fact
  table's per-event state, marts and tests), so it is the floor, not an equivalent.

Stage definitions and lead-rule numbers are read from the seeds, as the models do.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import duckdb

from orchestration.ingest.contract import contract_fields
from orchestration.paths import SEEDS_DIR, duckdb_limits

TABLE = "bare_events"
ENTRIES_TABLE = "bare_stage_entries"


def connect(database: Path) -> duckdb.DuckDBPyConnection:
    """A connection with the same memory limit and spill folder as the dbt profile."""
    con = duckdb.connect(str(database), config=duckdb_limits(database))
    con.execute("set preserve_insertion_order = false")
    con.execute("set timezone = 'UTC'")
    return con


def explicit_columns() -> str:
    """The contract's fields as a DuckDB `columns` struct: text, and `properties` as JSON."""
    types = {f: ("JSON" if f == "properties" else "VARCHAR") for f in contract_fields()}
    return "{" + ", ".join(f"'{f}': '{t}'" for f, t in types.items()) + "}"


def read_json_sql(files: str) -> str:
    return (
        f"create or replace table {TABLE} as select * from read_json('{files}', "
        f"format = 'newline_delimited', columns = {explicit_columns()}, ignore_errors = true)"
    )


def read_parquet_sql(files: str) -> str:
    fields = ", ".join(
        "cast(to_json(properties) as json) as properties" if f == "properties" else f
        for f in contract_fields()
    )
    return f"create or replace table {TABLE} as select {fields} from read_parquet('{files}')"


def _lookback_days() -> int:
    with (SEEDS_DIR / "lead_rule.csv").open(encoding="utf-8") as handle:
        return int(next(csv.DictReader(handle))["engagement_lookback_days"])


def _seed(name: str) -> str:
    return f"read_csv('{SEEDS_DIR / f'{name}.csv'}', header = true)"


def window_pass_sql() -> str:
    """One statement: the stage entries of every journey, from the bare event table."""
    whole = "rows between unbounded preceding and unbounded following"
    so_far = "rows between unbounded preceding and current row"
    return f"""
create or replace table {ENTRIES_TABLE} as
with
catalog as (select * from {_seed("event_catalog")}),
stages as (select * from {_seed("funnel_stages")}),
reasons as (select * from {_seed("reasons")}),
engagement as (select * from {_seed("lead_engagement_points")}),
fit as (select * from {_seed("lead_fit_points")}),
lead_rule as (select * from {_seed("lead_rule")}),
events as (
    select
        event_id, event_type, try_cast(occurred_at as timestamptz) as occurred_at,
        lower(trim(email)) as email, contact_id, anonymous_id, opportunity_id, reason,
        properties ->> 'industry' as industry,
        properties ->> 'company_size' as company_size,
        properties ->> 'seniority' as seniority
    from {TABLE}
    where event_id is not null and try_cast(occurred_at as timestamptz) is not null
    qualify row_number() over (partition by event_id order by occurred_at) = 1
),
people as (
    select
        *,
        coalesce(
            email,
            case when contact_id is not null then first_value(email ignore nulls) over (
                partition by contact_id order by occurred_at {whole}) end,
            case when anonymous_id is not null then first_value(email ignore nulls) over (
                partition by anonymous_id order by occurred_at {whole}) end,
            'contact:' || contact_id,
            'anonymous:' || anonymous_id
        ) as person
    from events
),
journeys as (
    select
        *,
        coalesce(
            person,
            case when opportunity_id is not null then first_value(person ignore nulls) over (
                partition by opportunity_id order by occurred_at {whole}) end,
            'opportunity:' || opportunity_id
        ) as journey
    from people
),
scored as (
    select
        j.*,
        c.enters_stage,
        case when c.stage_from_reason then r.exit_stage end as reason_stage,
        coalesce(c.is_identifying or (c.is_touch
            and (j.email is not null or j.contact_id is not null)), false) as is_identification,
        last_value(j.industry ignore nulls) over running as known_industry,
        last_value(j.company_size ignore nulls) over running as known_company_size,
        last_value(j.seniority ignore nulls) over running as known_seniority,
        sum(coalesce(e.points, 0)) over (
            partition by j.journey order by j.occurred_at
            range between interval '{_lookback_days()} days' preceding and current row
        ) as engagement_score
    from journeys as j
    inner join catalog as c on j.event_type = c.event_type
    left join reasons as r on j.reason = r.reason_key
    left join engagement as e on j.event_type = e.event_type
    where j.journey is not null
    window running as (partition by j.journey order by j.occurred_at, j.event_id {so_far})
),
judged as (
    select
        s.*,
        coalesce(fi.points, 0) + coalesce(fc.points, 0) + coalesce(fs.points, 0) as fit_score,
        min(case when s.is_identification then s.occurred_at end) over (
            partition by s.journey) as identified_at
    from scored as s
    left join fit as fi on fi.attribute = 'industry' and s.known_industry = fi.attribute_value
    left join fit as fc
        on fc.attribute = 'company_size' and s.known_company_size = fc.attribute_value
    left join fit as fs on fs.attribute = 'seniority' and s.known_seniority = fs.attribute_value
),
proposals as (
    select journey, event_id, occurred_at, enters_stage as stage_key
    from judged where enters_stage is not null
    union all
    select journey, event_id, occurred_at, reason_stage
    from judged where reason_stage is not null
    union all
    select j.journey, j.event_id, j.occurred_at, s.stage_key
    from judged as j
    cross join (select stage_key from stages where entry_trigger = 'identification') as s
    where j.is_identification and j.occurred_at = j.identified_at
    union all
    select j.journey, arg_min(j.event_id, j.occurred_at), min(j.occurred_at), s.stage_key
    from judged as j
    cross join lead_rule as l
    cross join (select stage_key from stages where entry_trigger = 'lead_rule') as s
    where j.occurred_at >= j.identified_at
        and j.fit_score >= l.fit_threshold and j.engagement_score >= l.engagement_threshold
    group by j.journey, s.stage_key
),
ordered as (
    select
        p.*,
        s.stage_order,
        max(s.stage_order) over (
            partition by p.journey order by p.occurred_at, p.event_id, s.stage_order
            rows between unbounded preceding and 1 preceding
        ) as furthest_before
    from proposals as p
    inner join stages as s on p.stage_key = s.stage_key
)
select journey, stage_key, stage_order, event_id, occurred_at as entered_at
from ordered
where stage_order > coalesce(furthest_before, 0)
"""


ACTIONS = {
    "read_json": lambda args: read_json_sql(args.files),
    "read_parquet": lambda args: read_parquet_sql(args.files),
    "window_pass": lambda args: window_pass_sql(),
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bare", description=__doc__)
    parser.add_argument("action", choices=ACTIONS)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--files", default="", help="glob of the files to read")
    args = parser.parse_args(argv)
    with connect(args.db) as con:
        con.execute(ACTIONS[args.action](args))
        table = ENTRIES_TABLE if args.action == "window_pass" else TABLE
        (rows,) = con.execute(f"select count(*) from {table}").fetchone()
    print(f"{args.action}: {rows} rows in {table}")


if __name__ == "__main__":
    main()
