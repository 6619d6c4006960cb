"""Machine description, ratios, targets and the markdown report of the benchmark."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DIAGNOSIS = Path(__file__).resolve().parent / "diagnosis.md"
PACKAGES = ("duckdb", "dbt-core", "dbt-duckdb", "dagster", "dagster-dbt")
MB = 1024 * 1024

# (name, numerator steps, denominator steps, target, size the target is stated for)
RATIOS = [
    ("JSONL load / bare read_json", ["load_jsonl"], ["ref_read_json"], 1.5, None),
    ("Parquet load / bare read_parquet", ["load_parquet"], ["ref_read_parquet"], None, None),
    (
        "full dbt build / (bare window pass + dbt fixed cost)",
        ["dbt_build_full"],
        ["ref_window_pass", "dbt_fixed_cost"],
        3.0,
        10_000_000,
    ),
    (
        "daily run (load + incremental dbt build) / full dbt build",
        ["load_daily", "dbt_build_incremental"],
        ["dbt_build_full"],
        0.15,
        10_000_000,
    ),
    (
        "incremental dbt build / full dbt build",
        ["dbt_build_incremental"],
        ["dbt_build_full"],
        None,
        None,
    ),
    ("no-op dbt build / dbt fixed cost", ["dbt_build_noop"], ["dbt_fixed_cost"], None, None),
    ("Dagster job, 1% new / full", ["dagster_job_incremental"], ["dagster_job_full"], None, None),
    ("Dagster job, no-op / full", ["dagster_job_noop"], ["dagster_job_full"], None, None),
]
MEMORY_TARGET_MB = 4096
DASHBOARD_TARGET_MS = 200
OUR_STEPS = (
    "load_jsonl", "load_parquet", "dbt_build_full", "load_daily", "dbt_build_incremental",
    "load_noop", "dbt_build_noop", "dagster_job_full", "dagster_job_incremental",
    "dagster_job_noop",
)  # fmt: skip


def machine(project: str = "this checkout", checkout: Path = REPO) -> dict[str, object]:
    """Cores, memory, CPU model, versions and the commit measured: that of `checkout`, the
    project the steps ran (None if it is a copy without git history, e.g. a `git archive`;
    the label `project` then has to name it)."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    commit, changed = _git_state(checkout)
    versions = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "absent"
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "cpu": cpu,
        "os": f"{platform.system()} {platform.release()}",
        "versions": versions,
        "commit": commit,
        "uncommitted_changes": changed,
        "project_measured": project,
        "load_average_at_end": load_average(),
        "written_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def load_average() -> list[float]:
    """The 1, 5 and 15-minute load averages now."""
    return [round(x, 2) for x in os.getloadavg()]


def _git_state(checkout: Path) -> tuple[str | None, bool]:
    """The commit of `checkout` and whether its tracked files changed since, or (None, False)
    if it is not a git work tree of its own (a folder inside another repository does not
    count: that repository's commit would not be the one measured)."""
    # An inherited GIT_DIR (a git hook, say) would make any folder that repository's tree.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}

    def git(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", *argv], cwd=checkout, env=env, capture_output=True, text=True, check=False
        )

    try:
        top = git("rev-parse", "--show-toplevel")
        if top.returncode or Path(top.stdout.strip()).resolve() != checkout.resolve():
            return None, False
        commit = git("rev-parse", "--short", "HEAD").stdout.strip() or None
        changed = git("status", "--porcelain", "--untracked-files=no").stdout.strip()
    except OSError:  # no git on this machine
        return None, False
    return commit, bool(changed)


def slowest_nodes(run_results: Path, top: int = 12) -> list[dict[str, object]]:
    """dbt's own per-node timings of its last invocation, slowest first."""
    if not run_results.exists():
        return []
    data = json.loads(run_results.read_text())
    nodes = sorted(data["results"], key=lambda r: r["execution_time"], reverse=True)
    by_kind: dict[str, float] = {}
    for node in data["results"]:
        kind = node["unique_id"].split(".")[0]
        by_kind[kind] = by_kind.get(kind, 0.0) + node["execution_time"]
    return [
        {"node": "(dbt elapsed)", "seconds": round(data.get("elapsed_time", 0.0), 2)},
        *({"node": f"(all {k}s)", "seconds": round(v, 2)} for k, v in sorted(by_kind.items())),
        *(
            {"node": n["unique_id"].split(".", 2)[-1], "seconds": round(n["execution_time"], 2)}
            for n in nodes[:top]
        ),
    ]


def read_results(path: Path) -> dict[str, object]:
    if path.exists():
        results = json.loads(path.read_text())
        results.setdefault("sizes", {})
        return results
    return {"sizes": {}}


def _median(size: dict, step: str) -> float | None:
    found = size["steps"].get(step)
    return found["median_seconds"] if found else None


def ratios(size: dict) -> list[dict[str, object]]:
    rows = []
    for name, top, bottom, target, stated_for in RATIOS:
        tops = [_median(size, s) for s in top]
        bottoms = [_median(size, s) for s in bottom]
        if None in tops or None in bottoms:
            continue
        value = sum(tops) / sum(bottoms)
        rows.append(
            {
                "ratio": name,
                "ours_seconds": round(sum(tops), 2),
                "reference_seconds": round(sum(bottoms), 2),
                "value": round(value, 3),
                "target": target,
                "target_at_events": stated_for,
                "met": None if target is None else value <= target,
            }
        )
    return rows


def targets(size: dict) -> list[dict[str, object]]:
    """Every issue-7 target evaluated at this size."""
    rows = [
        {
            "target": f"{r['ratio']} <= {r['target']}",
            "measured": r["value"],
            "met": r["met"],
            "by": f"{r['value'] / r['target']:.2f}x the limit",
        }
        for r in ratios(size)
        if r["target"] is not None
    ]
    peaks = {s: size["steps"][s]["peak_tree_rss_mb"] for s in OUR_STEPS if s in size["steps"]}
    if peaks:
        step, peak = max(peaks.items(), key=lambda kv: kv[1])
        rows.append(
            {"target": f"peak memory < {MEMORY_TARGET_MB} MB", "measured": f"{peak} MB ({step})",
             "met": peak < MEMORY_TARGET_MB, "by": f"{peak / MEMORY_TARGET_MB:.2f}x the limit"}
        )  # fmt: skip
    if size.get("dashboards"):
        worst = max(size["dashboards"], key=lambda d: d["p95_ms"])
        rows.append(
            {"target": f"dashboard p95 < {DASHBOARD_TARGET_MS} ms",
             "measured": f"{worst['p95_ms']} ms ({worst['name']})",
             "met": worst["p95_ms"] < DASHBOARD_TARGET_MS,
             "by": f"{worst['p95_ms'] / DASHBOARD_TARGET_MS:.2f}x the limit"}
        )  # fmt: skip
    return rows


def _verdict(met: bool | None) -> str:
    return "—" if met is None else ("met" if met else "**missed**")


def _size_markdown(events: str, size: dict) -> list[str]:
    lines = [f"## {int(events):,} events", ""]
    data = size.get("data", {})
    if data:
        lines += [
            f"History {data['history_records']:,} records; the day's delivery "
            f"{data['new_records']:,} new + {data['late_records']:,} late-arriving "
            f"({data['increment_share']:.1%}). JSONL {data['jsonl_bytes'] / MB:,.0f} MB, "
            f"Parquet {data['parquet_bytes'] / MB:,.0f} MB. "
            f"Measured {size.get('measured_at', '')}, "
            f"{size['repetitions']} repetition(s) requested, {size['wall_seconds'] / 60:.0f} min.",
            "",
        ]
    lines += [
        "| step | runs | median s | min s | max s | peak RSS MB (largest process) "
        "| peak RSS MB (process tree) | exit | note |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for name, step in size["steps"].items():
        exits = sorted({r["returncode"] for r in step["runs"]})
        lines.append(
            f"| {name} | {step['repetitions']} | {step['median_seconds']:.2f} | "
            f"{step['min_seconds']:.2f} | {step['max_seconds']:.2f} | {step['peak_rss_mb']:,.0f} | "
            f"{step['peak_tree_rss_mb']:,.0f} | {','.join(map(str, exits))} | {step['note']} |"
        )
    lines += [
        "",
        "| ratio (medians) | ours s | reference s | ratio | target | |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for r in ratios(size):
        target = "" if r["target"] is None else f"<= {r['target']}"
        if r["target_at_events"]:
            target += f" (at {r['target_at_events']:,})"
        lines.append(
            f"| {r['ratio']} | {r['ours_seconds']} | {r['reference_seconds']} | "
            f"**{r['value']:.2f}** | {target} | {_verdict(r['met'])} |"
        )
    lines += ["", "| target | measured | | |", "|---|---|---|---|"]
    for t in targets(size):
        lines.append(f"| {t['target']} | {t['measured']} | {_verdict(t['met'])} | {t['by']} |")
    sizes = size.get("warehouse_bytes", {})
    if sizes:
        lines += [
            "",
            "Warehouse file: "
            + ", ".join(f"{k.replace('_', ' ')} {v / MB:,.0f} MB" for k, v in sizes.items())
            + ".",
        ]
    if size.get("dashboards"):
        lines += [
            "",
            "| dashboard query | mart | mart rows | rows returned | median ms | p95 ms | max ms |",
            "|---|---|---:|---:|---:|---:|---:|",
        ]
        for d in size["dashboards"]:
            lines.append(
                f"| {d['name']} | {d['table']} | {d['rows_in_table']:,} | {d['rows_returned']:,} | "
                f"{d['median_ms']} | {d['p95_ms']} | {d['max_ms']} |"
            )
    for key, title in (
        ("dbt_nodes_full", "full build"),
        ("dbt_nodes_incremental", "incremental build"),
    ):
        if size.get(key):
            lines += ["", f"dbt's own timings, {title} (seconds; slowest nodes):", ""]
            lines.append(", ".join(f"{n['node']} {n['seconds']}" for n in size[key]) + ".")
    return [*lines, ""]


def markdown(results: dict) -> str:
    m = results["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in m["versions"].items())
    lines = [
        "# Benchmark results (issue 7)",
        "",
        "Written by `bench/run_bench.py` (see `bench/README.md`); numbers below are from the "
        "last run of each size.",
        "",
        f"Machine: {m['cores']} cores, {m['memory_gb']} GB RAM, {m['cpu']}, {m['os']}; {versions}; "
        f"project measured: {m.get('project_measured', 'this checkout')} ({_commit_text(m)}). "
        f"The machine is shared, so other work may run beside a benchmark (1-minute load "
        f"average at the end: {m['load_average_at_end'][0]}; each run's load average is in "
        "`results.json`) and absolute seconds are noisy; the ratios, whose two sides ran "
        "minutes apart on the same files, are what to compare.",
        "",
    ]
    for events, size in sorted(results["sizes"].items(), key=lambda kv: int(kv[0])):
        lines += _size_markdown(events, size)
    if DIAGNOSIS.exists():
        lines += [DIAGNOSIS.read_text(encoding="utf-8").strip(), ""]
    return "\n".join(lines)


def _commit_text(m: dict) -> str:
    if not m.get("commit"):
        return "no commit recorded: not the top of a git work tree"
    changes = " with uncommitted changes" if m.get("uncommitted_changes") else ""
    return f"repository at {m['commit']}{changes}"


def write(results: dict, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for size in results["sizes"].values():
        size["ratios"] = ratios(size)
        size["targets"] = targets(size)
    (folder / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (folder / "RESULTS.md").write_text(markdown(results), encoding="utf-8")
