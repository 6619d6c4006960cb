"""Project macros, rendered by real dbt and evaluated by real DuckDB on literal inputs.

All macros are evaluated in one `dbt show --inline` query (one dbt start-up) against the
session warehouse copy, whose seeds the seed_value macro reads and whose models the query
macros (forward_stage_entries) read.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.seeds import lead_rule, stages
from tests.conftest import BuiltWarehouse
from tests.dbt_runner import dbt

INLINE = """
select
    {{ normalise_email("'  Bob.Smith@Example.COM '") }} as normalised,
    {{ normalise_email("'   '") }} as normalised_blank,
    {{ json_text("json('{\\"industry\\": \\"software\\", \\"n\\": 3}')", 'industry') }} as industry,
    {{ email_domain("'bob@example.com'") }} as domain,
    {{ salted_hash("'email:bob@example.com'") }} as hashed,
    {{ seed_value('lead_rule', 'engagement_lookback_days') }} as lookback_days,
    '{{ seed_values("attribution_models", "attribution_model_key") | join(",") }}' as model_keys,
    (
        select sum(v) from (
            select 1 as v, timestamp '2025-01-01' as t
            union all select 2, timestamp '2025-01-05'
            union all select 4, timestamp '2025-01-20'
        ) as frame_rows
    ) as all_points,
    (
        select max(windowed) from (
            select sum(v) over (order by t range between {{ days_preceding(7) }} and current row)
                as windowed
            from (
                select 1 as v, timestamp '2025-01-01' as t
                union all select 2, timestamp '2025-01-05'
                union all select 4, timestamp '2025-01-20'
            ) as frame_rows
        ) as windows
    ) as best_week,
    (
        select string_agg(carried, ',' order by t) from (
            select t, {{ last_value_ignore_nulls('v', '1', 't') }} as carried
            from (
                select 1 as t, 'a' as v union all select 2, null union all select 3, 'c'
                union all select 4, null
            ) as carried_rows
        ) as carried_values
    ) as carried,
    (
        select string_agg(stage_key || ':' || entries || ':' || is_won_stage, ',' order by stage_key)
        from (
            select stage_key, count(*) as entries, bool_and(is_won_stage) as is_won_stage
            from ({{ forward_stage_entries() }}) as forward_entries
            group by stage_key
        ) as forward_stages
    ) as forward_entries,
    '{{ inlined_on_full_build() }}' as full_build_hint,
    (
        select {{ exact_average('v') }} from (
            select 1e16::double as v, 1 as n union all select 1.0, 2
            union all select -1e16, 3 union all select 1.0, 4
        ) as large_and_small
    ) as exact_mean
"""


@pytest.fixture(scope="module")
def rendered(warehouse: BuiltWarehouse, tmp_path_factory: pytest.TempPathFactory) -> dict:
    database = tmp_path_factory.mktemp("macros") / "warehouse.duckdb"
    shutil.copy2(warehouse.database, database)
    result = dbt(["show", "--inline", INLINE, "--output", "json", "--log-format", "json"], database)
    for line in result.stdout.splitlines():
        event = json.loads(line)
        preview = event.get("data", {}).get("preview")
        if preview:
            (row,) = json.loads(preview)
            return row
    raise AssertionError("dbt show printed no preview:\n" + result.stdout[-3000:])


def test_normalise_email_trims_and_lowercases(rendered: dict):
    assert rendered["normalised"] == "bob.smith@example.com"
    assert rendered["normalised_blank"] is None


def test_json_text_and_email_domain(rendered: dict):
    assert rendered["industry"] == "software"
    assert rendered["domain"] == "example.com"


def test_salted_hash_is_md5_of_salt_and_value(rendered: dict):
    project = Path(__file__).resolve().parents[2] / "dbt_project.yml"
    salt = next(
        line.split(":", 1)[1].strip().strip('"')
        for line in project.read_text().splitlines()
        if line.strip().startswith("person_key_salt:")
    )
    expected = hashlib.md5(f"{salt}|email:bob@example.com".encode()).hexdigest()
    assert rendered["hashed"] == expected


def test_seed_value_reads_the_agreed_lookback(rendered: dict):
    assert int(rendered["lookback_days"]) == int(lead_rule()["engagement_lookback_days"])


def test_seed_values_lists_every_row_of_the_seed_in_order(rendered: dict):
    seed = Path(__file__).resolve().parents[2] / "seeds" / "attribution_models.csv"
    with seed.open(newline="", encoding="utf-8") as rows:
        keys = sorted(row["attribution_model_key"] for row in csv.DictReader(rows))
    assert len(keys) > 1
    assert rendered["model_keys"].split(",") == keys


def test_days_preceding_limits_the_window(rendered: dict):
    # 1 (Jan 1) and 2 (Jan 5) fall in one 7-day window; 4 (Jan 20) stands alone.
    assert rendered["all_points"] == 7
    assert rendered["best_week"] == 4


def test_last_value_ignore_nulls_carries_the_last_known_value(rendered: dict):
    assert rendered["carried"] == "a,a,c,c"


def test_exact_average_loses_no_small_value_beside_large_ones(rendered: dict):
    # (1e16 + 1 - 1e16 + 1) / 4: adding doubles in order loses each 1 beside 1e16.
    assert rendered["exact_mean"] == 0.5


def test_inlined_on_full_build_is_the_not_materialized_hint_outside_incremental_runs(
    rendered: dict,
):
    assert rendered["full_build_hint"] == "not materialized"


def test_forward_stage_entries_are_the_entries_into_stages_that_are_not_exits(
    rendered: dict, warehouse: BuiltWarehouse
):
    # On a full build: every journey's entries into the seed's non-exit stages, the won
    # stage being the last of those in stage order.
    forward = [row["stage_key"] for row in stages() if row["is_exit"] == "false"]
    counts = dict(
        warehouse.query(
            "select stage_key, count(*) from marts.fct_journey_stage_entries group by stage_key"
        )
    )
    assert set(counts) - set(forward), "the data must hold exit entries for the filter to show"
    assert forward[-1] in counts, "the data must hold won entries for the flag to show"
    expected = [
        f"{stage}:{counts[stage]}:{str(stage == forward[-1]).lower()}"
        for stage in sorted(forward)
        if stage in counts
    ]
    assert rendered["forward_entries"].split(",") == expected


SCOPE_INLINE = """
select
    (select count(*) from {{ ref('conversion_touches') }}
     where {{ rows_written_this_run() }}) as rows_in_scope,
    (select count(*) from {{ ref('conversion_touches') }}
     where {{ keys_written_this_run('stage_entry_id', relation=ref('conversion_touches')) }})
        as keys_in_scope
"""


def _show_row(database: Path, inline: str) -> dict:
    result = dbt(["show", "--inline", inline, "--output", "json", "--log-format", "json"], database)
    for line in result.stdout.splitlines():
        preview = json.loads(line).get("data", {}).get("preview")
        if preview:
            return json.loads(preview)[0]
    raise AssertionError("dbt show printed no preview:\n" + result.stdout[-3000:])


def test_test_scope_is_everything_on_a_full_build_and_the_written_rows_after(
    warehouse: BuiltWarehouse, tmp_path: Path
):
    database = tmp_path / "warehouse.duckdb"
    shutil.copy2(warehouse.database, database)
    total = warehouse.scalar("select count(*) from marts.conversion_touches")
    full = _show_row(database, SCOPE_INLINE)
    assert full == {"rows_in_scope": total, "keys_in_scope": total}

    # As after an incremental run that re-derived one journey.
    with duckdb.connect(str(database)) as con:
        journey, rows = con.execute(
            "select journey_key, count(*) from marts.conversion_touches"
            " group by journey_key order by count(*) desc, journey_key limit 1"
        ).fetchone()
        con.execute(
            "create or replace table intermediate.int_journeys_scoped as"
            " select ? as journey_key, false as is_full_build",
            [journey],
        )
        # A planted duplicate of one of its rows under another journey: counted by key.
        con.execute(
            "insert into marts.conversion_touches select * replace ('elsewhere' as journey_key)"
            " from marts.conversion_touches where journey_key = ? limit 1",
            [journey],
        )
    scoped = _show_row(database, SCOPE_INLINE)
    assert scoped == {"rows_in_scope": rows, "keys_in_scope": rows + 1}


def test_data_end_is_the_latest_occurrence_of_the_journey_facts(
    warehouse: BuiltWarehouse, tmp_path: Path
):
    database = tmp_path / "warehouse.duckdb"
    shutil.copy2(warehouse.database, database)
    with duckdb.connect(str(database)) as con:
        con.execute("create temp table template as from marts.fct_customer_journey limit 1")
        con.execute("delete from marts.fct_customer_journey")
        # Three events, out of order; each was loaded, derived and followed by a stage entry
        # later than any of them occurred, so only occurred_at gives Mar 5 10:30.
        for occurred_at in ("2025-01-01 09:00", "2025-03-05 10:30", "2025-02-01 23:59"):
            con.execute(
                "insert into marts.fct_customer_journey select * replace ("
                " ?::timestamp as occurred_at, timestamp '2025-06-01' as next_stage_entered_at,"
                " timestamp '2025-06-02' as loaded_at, timestamp '2025-06-03' as derived_at)"
                " from template",
                [occurred_at],
            )
    row = _show_row(database, "{{ data_end() }}")
    assert row == {"data_as_of": "2025-03-05T10:30:00"}
