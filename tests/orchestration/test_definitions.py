"""The Dagster code location loads, and has what the README promises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dagster as dg

from orchestration.definitions import defs
from orchestration.ingest.loader import streams

PROJECT_DIR = Path(__file__).resolve().parents[2]


def test_dg_check_defs_loads_the_code_location():
    dg_cli = Path(sys.executable).parent / "dg"
    result = subprocess.run(
        [str(dg_cli), "check", "defs"], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All definitions loaded successfully" in result.stdout + result.stderr


def test_one_raw_asset_per_stream_and_one_asset_per_dbt_model():
    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    for stream in streams():
        assert f"raw/{stream}_events" in keys
    assert "marts/fct_customer_journey" in keys
    assert "intermediate/int_journey_events_staged" in keys


def test_dbt_sources_hang_off_the_raw_assets():
    graph = defs.resolve_asset_graph()
    staging = graph.get(dg.AssetKey(["staging", "stg_marketing__events"]))
    assert dg.AssetKey(["raw", "marketing_events"]) in staging.parent_keys


def test_job_schedule_and_sensor_are_defined():
    assert defs.resolve_job_def("funnel_job") is not None
    assert defs.resolve_schedule_def("funnel_daily").cron_schedule == "0 5 * * *"
    assert defs.resolve_sensor_def("landing_file_sensor") is not None


def test_the_sensor_requests_a_run_only_when_landing_files_change(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    (landing / "marketing").mkdir(parents=True)
    monkeypatch.setenv("FUNNEL_LANDING_DIR", str(landing))
    sensor = defs.resolve_sensor_def("landing_file_sensor")

    first = sensor(dg.build_sensor_context())
    assert len(first.run_requests) == 1
    unchanged = sensor(dg.build_sensor_context(cursor=first.cursor))
    assert unchanged.run_requests == [] and unchanged.skip_reason is not None

    (landing / "marketing" / "new.jsonl").write_text('{"event_id": "x"}\n')
    changed = sensor(dg.build_sensor_context(cursor=first.cursor))
    assert len(changed.run_requests) == 1 and changed.cursor != first.cursor
