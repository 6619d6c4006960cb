"""The benchmark of issue 7: our pipeline against bare DuckDB on the same files.

    .venv/bin/python bench/run_bench.py --sizes 1000000 10000000 --repetitions 3
    .venv/bin/python bench/run_bench.py --quick        # 100k events, one repetition

Every step runs as a whole process (wall time, peak memory); repeated steps report the
median. Results are merged by size into bench/results.json and bench/RESULTS.md is written
from it; scratch data goes to bench/out/ (git-ignored). See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script: make `bench` and `orchestration` importable
    sys.path.insert(0, str(REPO))

from bench import report  # noqa: E402
from bench.dashboard import run_dashboards  # noqa: E402
from bench.datasets import Split, generator_command, split_jsonl  # noqa: E402
from bench.measure import ProcessRun, StepResult, repeat, run_process  # noqa: E402
from orchestration.resources import DBT_BUILD_ARGS  # noqa: E402

BIN = Path(sys.executable).parent
SEED = 7
QUICK_SIZE = 100_000
DEFAULT_BUDGET = 900.0
STEP_GROUPS = ("load", "reference", "dbt", "dagster", "dashboards")


@dataclass
class Bench:
    """One size's folders, environment and results."""

    events: int
    out: Path
    repetitions: int
    budget: float
    project: Path
    steps: dict[str, StepResult] = field(default_factory=dict)
    facts: dict[str, object] = field(default_factory=dict)

    @property
    def work(self) -> Path:
        """The warehouse every dbt run uses: one path keeps dbt's partial parsing warm."""
        return self.out / "work" / "warehouse.duckdb"

    def env(self, warehouse: Path | None = None, landing: Path | None = None) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "FUNNEL_DUCKDB_PATH": str(warehouse or self.work),
                "FUNNEL_LANDING_DIR": str(landing or self.out / "landing" / "history"),
                "FUNNEL_DUCKDB_TEMP_DIR": str(self.out / "duckdb_tmp"),
                "FUNNEL_SERVING_DIR": str(self.out / "serving"),
                "DBT_TARGET_PATH": str(self.out / "dbt_target"),
                "DBT_LOG_PATH": str(self.out / "dbt_logs"),
                "DAGSTER_HOME": str(self.out / "dagster_home"),
                "DO_NOT_TRACK": "1",
                "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
                # The project measured first, so its `orchestration` is the one imported.
                "PYTHONPATH": os.pathsep.join(dict.fromkeys([str(self.project), str(REPO)])),
                # As `uv run` does: the venv's dbt and dagster first on PATH.
                "PATH": os.pathsep.join([str(BIN), os.environ.get("PATH", "")]),
            }
        )
        return env

    def run(self, argv: list[str], env: dict[str, str], check: bool = True) -> ProcessRun:
        return run_process(argv, env, self.project, self.out / "logs" / "commands.log", check)

    def record(self, result: StepResult) -> StepResult:
        self.steps[result.name] = result
        print(
            f"  {result.name:<26} median {result.median_seconds:9.2f}s over "
            f"{len(result.runs)} run(s), peak {result.peak_tree_rss_mb:8.1f} MB",
            flush=True,
        )
        return result

    def repeat(self, name: str, once: Callable[[int], ProcessRun]) -> StepResult:
        return self.record(repeat(name, once, self.repetitions, self.budget))


def fresh(path: Path) -> Path:
    """Remove a file or folder (and a DuckDB write-ahead log) so a run starts clean."""
    if path.is_dir():
        shutil.rmtree(path)
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def copy_warehouse(source: Path, target: Path) -> Path:
    fresh(target)
    shutil.copyfile(source, target)
    return target


def ingest(b: Bench, warehouse: Path, landing: Path) -> list[str]:
    return [
        str(BIN / "python"), "-m", "orchestration.ingest",
        "--landing", str(landing), "--warehouse", str(warehouse),
    ]  # fmt: skip


def dbt(b: Bench, *args: str, command: str = "build") -> list[str]:
    """A dbt command on the measured project; `build` is the production build the Dagster
    job runs (`DBT_BUILD_ARGS`: data tests included, unit tests left to CI)."""
    project = str(b.project)
    verb = list(DBT_BUILD_ARGS) if command == "build" else [command]
    return [str(BIN / "dbt"), *verb, "--profiles-dir", project, "--project-dir", project, *args]


def bare(action: str, database: Path, files: str = "") -> list[str]:
    return [
        str(BIN / "python"),
        "-m",
        "bench.bare",
        action,
        "--db",
        str(database),
        "--files",
        files,
    ]


DAGSTER_JOB = ["job", "execute", "-m", "orchestration.definitions", "-j", "funnel_job"]


# --- data -------------------------------------------------------------------------------


def prepare_data(b: Bench) -> Split:
    data = b.out / "data"
    for fmt in ("jsonl", "parquet"):
        folder = data / f"generated_{fmt}"
        if (folder / "_ground_truth.json").exists():
            continue  # same size and seed: the generator writes the same bytes
        argv = generator_command(str(BIN / "python"), b.events, SEED, fresh(folder), fmt)
        b.record(StepResult(f"generate_{fmt}", [b.run(argv, b.env())]))
    split = split_jsonl(data / "generated_jsonl", b.out / "landing")
    b.facts["data"] = {
        **split.as_dict(),
        "jsonl_bytes": _folder_bytes(data / "generated_jsonl"),
        "parquet_bytes": _folder_bytes(data / "generated_parquet"),
    }
    return split


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


# --- steps ------------------------------------------------------------------------------


def load_steps(b: Bench, split: Split) -> Path:
    """Our loader and bare DuckDB reading the same files; returns the loaded warehouse."""
    loaded = b.out / "loaded.duckdb"
    ref = b.out / "reference.duckdb"
    jsonl = str(split.history / "*" / "**" / "*.jsonl")
    parquet = str(b.out / "data" / "generated_parquet" / "*" / "**" / "*.parquet")
    b.repeat("ref_read_json", lambda _: b.run(bare("read_json", fresh(ref), jsonl), b.env()))
    b.repeat("load_jsonl", lambda _: b.run(ingest(b, fresh(loaded), split.history), b.env()))
    scratch = b.out / "scratch.duckdb"
    b.repeat(
        "ref_read_parquet", lambda _: b.run(bare("read_parquet", fresh(scratch), parquet), b.env())
    )
    b.repeat(
        "load_parquet",
        lambda _: b.run(ingest(b, fresh(scratch), b.out / "data" / "generated_parquet"), b.env()),
    )
    b.repeat(
        "ref_window_pass",
        lambda _: b.run(bare("window_pass", copy_warehouse(ref, scratch)), b.env()),
    )
    fresh(scratch)
    b.facts.setdefault("warehouse_bytes", {})["after_load"] = loaded.stat().st_size
    return loaded


def dbt_steps(b: Bench, loaded: Path, split: Split) -> Path:
    """dbt's fixed cost, the full build, then the day's increment and a no-op run."""
    built = b.out / "built.duckdb"
    env = b.env()
    copy_warehouse(loaded, b.work)
    # A partial-parse file left by another checkout names that checkout's seed paths.
    (b.out / "dbt_target" / "partial_parse.msgpack").unlink(missing_ok=True)
    b.run(dbt(b, command="parse"), env)  # untimed: every timed run then parses partially
    b.repeat(
        "dbt_fixed_cost",
        lambda _: (copy_warehouse(loaded, b.work), b.run(dbt(b, "--empty"), env, check=False))[1],
    )
    b.repeat(
        "dbt_build_full",
        lambda _: (copy_warehouse(loaded, b.work), b.run(dbt(b, "--full-refresh"), env, False))[1],
    )
    b.facts["dbt_nodes_full"] = report.slowest_nodes(b.out / "dbt_target" / "run_results.json")
    copy_warehouse(b.work, built)
    b.facts.setdefault("warehouse_bytes", {})["after_full_build"] = built.stat().st_size

    sequence = {
        "load_daily": lambda: b.run(ingest(b, b.work, split.daily), env),
        "dbt_build_incremental": lambda: b.run(dbt(b), env, check=False),
        "load_noop": lambda: b.run(ingest(b, b.work, split.daily), env),
        "dbt_build_noop": lambda: b.run(dbt(b), env, check=False),
    }
    results = {name: StepResult(name) for name in sequence}
    spent = 0.0
    for i in range(b.repetitions):
        copy_warehouse(built, b.work)
        for name, step in sequence.items():
            results[name].runs.append(step())
            spent += results[name].runs[-1].seconds
            if name == "dbt_build_incremental":
                b.facts["dbt_nodes_incremental"] = report.slowest_nodes(
                    b.out / "dbt_target" / "run_results.json"
                )
                b.facts["warehouse_bytes"]["after_incremental"] = b.work.stat().st_size
        if spent > 4 * b.budget and i + 1 < b.repetitions:
            for result in results.values():
                result.note = f"stopped after {i + 1} of {b.repetitions} runs (time budget)"
            break
    for result in results.values():
        b.record(result)
    return b.work


def dagster_steps(b: Bench, split: Split) -> None:
    """The whole Dagster job on a fresh warehouse, after the day's files, and with nothing new."""
    home = b.out / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(b.project / "dagster.yaml", home / "dagster.yaml")
    warehouse = b.out / "dagster" / "warehouse.duckdb"
    dagster = [str(BIN / "dagster"), *DAGSTER_JOB]
    results = {
        n: StepResult(n)
        for n in ("dagster_job_full", "dagster_job_incremental", "dagster_job_noop")
    }
    spent = 0.0
    for i in range(b.repetitions):
        fresh(warehouse.parent)
        fresh(b.out / "serving")
        for name, landing in zip(results, (split.history, split.daily, split.daily), strict=True):
            results[name].runs.append(b.run(dagster, b.env(warehouse, landing), check=False))
            spent += results[name].runs[-1].seconds
        if spent > 3 * b.budget and i + 1 < b.repetitions:
            for result in results.values():
                result.note = f"stopped after {i + 1} of {b.repetitions} runs (time budget)"
            break
    for result in results.values():
        b.record(result)
    if warehouse.exists():
        b.facts.setdefault("warehouse_bytes", {})["dagster_job"] = warehouse.stat().st_size


def run_size(args: argparse.Namespace, events: int) -> dict[str, object]:
    b = Bench(events, args.out / str(events), args.repetitions, args.budget, args.project)
    b.out.mkdir(parents=True, exist_ok=True)
    fresh(b.out / "logs" / "commands.log")
    print(f"== {events:,} events -> {b.out}", flush=True)
    began = time.time()
    split = prepare_data(b)
    loaded = load_steps(b, split)
    warehouse = None
    if "dbt" in args.steps:
        warehouse = dbt_steps(b, loaded, split)
    if "dagster" in args.steps:
        dagster_steps(b, split)
    if "dashboards" in args.steps and warehouse is not None:
        timings = run_dashboards(warehouse, args.dashboard_runs)
        b.facts["dashboards"] = [t.as_dict() for t in timings]
        if timings:
            print(f"  dashboards: slowest p95 {max(t.p95_ms for t in timings):.1f} ms", flush=True)
        else:
            print("  dashboards: no mart to query (did the dbt build fail?)", flush=True)
    return {
        "events": events,
        "repetitions": args.repetitions,
        "wall_seconds": round(time.time() - began, 1),
        "steps": {name: step.as_dict() for name, step in b.steps.items()},
        **b.facts,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_SIZE:,} events, 1 repetition")
    parser.add_argument(
        "--steps", nargs="+", choices=STEP_GROUPS, default=list(STEP_GROUPS),
        help="step groups to run (load and reference always run)",
    )  # fmt: skip
    parser.add_argument(
        "--budget", type=float, default=DEFAULT_BUDGET,
        help="seconds one step may spend before it stops repeating (at least one run)",
    )  # fmt: skip
    parser.add_argument("--dashboard-runs", type=int, default=30)
    parser.add_argument(
        "--project", type=Path, default=REPO,
        help="the project checkout to measure (default: this one); e.g. a `git archive` of a "
        "commit, so edits made while a long run goes on do not change what is measured",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out", help="scratch data")
    parser.add_argument(
        "--results", type=Path, default=REPO / "bench",
        help="folder of results.json and RESULTS.md (results merge by size)",
    )  # fmt: skip
    parser.add_argument("--label", default="", help="how RESULTS.md names the project measured")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.repetitions, args.dashboard_runs = [QUICK_SIZE], 1, 10
    return args


def main(argv: list[str] | None = None) -> dict[str, object]:
    args = parse_args(argv)
    args.out = args.out.resolve()
    args.project = args.project.resolve()
    label = args.label or ("this checkout" if args.project == REPO else str(args.project))
    results = report.read_results(args.results / "results.json")
    results["machine"] = report.machine(label, args.project)
    if results["machine"]["commit"] is None and not args.label:
        raise SystemExit(
            f"{args.project} is not the top of a git work tree (a `git archive`?), so the "
            "results could not say what was measured: name its commit with --label"
        )
    for events in args.sizes:
        results["sizes"][str(events)] = run_size(args, events)
        results["sizes"][str(events)]["measured_at"] = time.strftime(
            "%Y-%m-%dT%H:%M:%SZ", time.gmtime()
        )
        results["machine"]["load_average_at_end"] = report.load_average()
        report.write(results, args.results)  # after every size, so a long run leaves results
    print(f"wrote {args.results / 'results.json'} and {args.results / 'RESULTS.md'}")
    return results


if __name__ == "__main__":
    main()
