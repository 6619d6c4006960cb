"""Dashboard queries on the marts, timed as a BI tool sees them: latency per query.

A few named queries ask what the funnel dashboards ask (funnel by stage and month, time
between stages, where every journey stood on a past day, touches and attribution by
channel), each of the day- or month-grain mart that answers it; every
other reporting mart found in the marts schema at run time is read as a dashboard tile
reads it (the whole table when it is small, a grouped count when it is large).
"""

from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

SCHEMA = "marts"
WARMUP = 2
TIMED = 30
WHOLE_TABLE_ROWS = 100_000

# What the dashboards ask, each read from the day- or month-grain mart built to answer it.
NAMED_QUERIES = {
    "funnel_by_stage_and_month": (
        "stage_entries_monthly",
        """
        select
            entered_month,
            stage_key,
            journeys_entered_count as journeys
        from marts.stage_entries_monthly
        order by all
        """,
    ),
    "stage_durations": (
        "fct_journey_stage_entries",
        """
        select
            stage_key,
            next_stage_key,
            count(*) as transitions,
            median(date_diff('hour', entered_at, next_stage_entered_at)) as median_hours,
            quantile_cont(date_diff('hour', entered_at, next_stage_entered_at), 0.9)
                as p90_hours
        from marts.fct_journey_stage_entries
        where next_stage_entered_at is not null
        group by all
        order by all
        """,
    ),
    "journeys_by_stage_on_a_past_day": (
        "daily_funnel_snapshot",
        """
        select stage_key, journeys_in_stage_count as journeys
        from marts.daily_funnel_snapshot
        where snapshot_date = (
            select min(snapshot_date) + 179 from marts.daily_funnel_snapshot
        )
        order by all
        """,
    ),
    "touches_by_channel_and_month": (
        "channel_touches_monthly",
        """
        select touch_month as month, channel, touches_count as touches
        from marts.channel_touches_monthly
        order by all
        """,
    ),
    "attribution_by_channel": (
        "channel_attribution_monthly",
        """
        select
            attribution_model_key,
            stage_key,
            channel,
            sum(credited_conversions) as credited_conversions,
            sum(attributed_revenue_usd) as attributed_revenue_usd
        from marts.channel_attribution_monthly
        group by all
        order by all
        """,
    ),
}

# The same questions asked of the event-grain facts: ad-hoc analysis, not dashboards (a BI
# tool reads the rollups above). Timed only when asked for (run_dashboards(ad_hoc=True)),
# to show what the rollups save.
AD_HOC_QUERIES = {
    "funnel_by_stage_and_month": (
        "fct_journey_stage_entries",
        """
        select
            date_trunc('month', entered_at) as entered_month,
            stage_key,
            count(distinct journey_key) as journeys
        from marts.fct_journey_stage_entries
        group by all
        order by all
        """,
    ),
    "journeys_by_stage_on_a_past_day": (
        "fct_customer_journey",
        """
        with as_of as (
            select journey_key, arg_max(stage_key, event_sequence_number) as stage_key
            from marts.fct_customer_journey
            where occurred_at < (
                select min(occurred_at) + interval '180 days' from marts.fct_customer_journey
            )
            group by journey_key
        )
        select stage_key, count(*) as journeys from as_of group by all order by all
        """,
    ),
    "touches_by_channel_and_month": (
        "fct_customer_journey",
        """
        select date_trunc('month', occurred_at) as month, channel, count(*) as touches
        from marts.fct_customer_journey
        where is_touch
        group by all
        order by all
        """,
    ),
    "attribution_by_channel": (
        # stage_attribution is a view of this table (its credit lists unnested).
        "conversion_touches",
        """
        select
            attribution_model_key,
            stage_key,
            channel,
            sum(attribution_credit) as credited_conversions,
            sum(attributed_revenue_usd) as attributed_revenue_usd
        from marts.stage_attribution
        group by all
        order by all
        """,
    ),
}


@dataclass(frozen=True)
class QueryTiming:
    name: str
    table: str
    rows_in_table: int
    rows_returned: int
    median_ms: float
    p95_ms: float
    max_ms: float

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _tile_query(con: duckdb.DuckDBPyConnection, table: str, rows: int) -> str:
    if rows <= WHOLE_TABLE_ROWS:
        return f"select * from {SCHEMA}.{table}"
    # Group a large mart by its first column that is not a key, as a summary tile would.
    columns = [
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [SCHEMA, table],
        ).fetchall()
    ]
    group = next((c for c in columns if not c.endswith(("_key", "_id"))), columns[0])
    return f"select {group}, count(*) as row_count from {SCHEMA}.{table} group by all"


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def time_query(
    con: duckdb.DuckDBPyConnection, name: str, table: str, rows: int, sql: str, timed: int
) -> QueryTiming:
    for _ in range(WARMUP):
        con.execute(sql).fetchall()
    samples, returned = [], 0
    for _ in range(timed):
        began = time.perf_counter()
        returned = len(con.execute(sql).fetchall())
        samples.append((time.perf_counter() - began) * 1000)
    return QueryTiming(
        name, table, rows, returned,
        round(statistics.median(samples), 2), round(_p95(samples), 2), round(max(samples), 2),
    )  # fmt: skip


def run_dashboards(database: Path, timed: int = TIMED, ad_hoc: bool = False) -> list[QueryTiming]:
    """Time every named query whose mart exists, then one tile per other reporting mart
    (and, with `ad_hoc`, the event-grain versions of the named queries)."""
    with duckdb.connect(str(database), read_only=True) as con:
        tables = dict(
            con.execute(
                "select table_name, estimated_size from duckdb_tables() where schema_name = ?",
                [SCHEMA],
            ).fetchall()
        )
        timings = []
        for name, (table, sql) in NAMED_QUERIES.items():
            if table in tables:
                timings.append(time_query(con, name, table, tables[table], sql, timed))
        if ad_hoc:
            for name, (table, sql) in AD_HOC_QUERIES.items():
                if table in tables:
                    timings.append(
                        time_query(con, f"ad-hoc:{name}", table, tables[table], sql, timed)
                    )
        # Tables a named query reads, and the event-grain tables the rollups summarise
        # (conversion_touches): no dashboard tile reads them whole.
        queries = [*NAMED_QUERIES.values(), *AD_HOC_QUERIES.values()]
        covered = {table for table, _ in queries}
        for table in sorted(tables):
            if table in covered or table.startswith(("dim_", "fct_")):
                continue
            sql = _tile_query(con, table, tables[table])
            timings.append(time_query(con, f"tile:{table}", table, tables[table], sql, timed))
        return timings
