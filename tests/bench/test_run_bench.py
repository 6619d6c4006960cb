"""The benchmark harness runs end to end at a tiny size. No timing is asserted: timings are
measured by `make bench` on a quiet machine, never judged in a test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import run_bench
from bench.datasets import DAILY_FOLDER

EVENTS = 2000
STEPS_ALWAYS = (
    "ref_read_json",
    "load_jsonl",
    "ref_read_parquet",
    "load_parquet",
    "ref_window_pass",
)
STEPS_DBT = (
    "dbt_fixed_cost", "dbt_build_full", "load_daily", "dbt_build_incremental", "load_noop",
    "dbt_build_noop",
)  # fmt: skip


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path, Path]:
    root = tmp_path_factory.mktemp("bench")
    out, results = root / "out", root / "results"
    # The Dagster job is left out here to keep the test short; it runs the same way.
    argv = [
        "--sizes", str(EVENTS), "--repetitions", "1", "--dashboard-runs", "2",
        "--steps", "load", "reference", "dbt", "dashboards",
        "--out", str(out), "--results", str(results),
    ]  # fmt: skip
    return run_bench.main(argv), out / str(EVENTS), results


@pytest.mark.slow
def test_every_step_is_timed_once_with_its_memory(bench_run):
    results, _, _ = bench_run
    steps = results["sizes"][str(EVENTS)]["steps"]
    for name in (*STEPS_ALWAYS, *STEPS_DBT):
        assert steps[name]["repetitions"] == 1, name
        assert steps[name]["median_seconds"] > 0, name
        assert steps[name]["peak_tree_rss_mb"] > 0, name
    for name in STEPS_ALWAYS:
        assert {r["returncode"] for r in steps[name]["runs"]} == {0}, name


@pytest.mark.slow
def test_ratios_targets_and_dashboards_are_reported(bench_run):
    results, _, folder = bench_run
    size = results["sizes"][str(EVENTS)]
    assert {r["ratio"] for r in size["ratios"]} >= {
        "JSONL load / bare read_json",
        "full dbt build / (bare window pass + dbt fixed cost)",
    }
    assert any(t["target"].startswith("peak memory") for t in size["targets"])
    assert size["dashboards"], "no dashboard query was timed"
    assert json.loads((folder / "results.json").read_text())["machine"]["cores"] >= 1
    markdown = (folder / "RESULTS.md").read_text()
    assert "| JSONL load / bare read_json |" in markdown
    assert f"## {EVENTS:,} events" in markdown


@pytest.mark.slow
def test_the_daily_delivery_holds_back_new_and_late_records_without_losing_any(bench_run):
    results, out, _ = bench_run
    data = results["sizes"][str(EVENTS)]["data"]
    generated = sum(
        len(p.read_bytes().splitlines())
        for p in (out / "data" / "generated_jsonl").rglob("*.jsonl")
    )
    assert data["history_records"] + data["new_records"] + data["late_records"] == generated
    assert data["new_records"] > 0 and data["late_records"] > 0
    daily = out / "landing" / "daily"
    assert {p.parent.name for p in daily.rglob("*.jsonl")} >= {DAILY_FOLDER}
    history = sorted(
        p.relative_to(out / "landing" / "history")
        for p in (out / "landing" / "history").rglob("*.jsonl")
    )
    assert all((daily / relative).exists() for relative in history)
