"""Time a command as a whole process: wall time, peak memory, machine load.

Peak memory is measured two ways. `peak_rss_mb` is the kernel's maximum resident set of
the largest single process in the tree (`wait4` rusage, what `/usr/bin/time -v` reports).
`peak_tree_rss_mb` is the largest sum of resident sets of the whole process tree, sampled
every 0.1 s from /proc: it catches a Dagster process and its dbt child holding memory
at the same time.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

_PAGE = os.sysconf("SC_PAGE_SIZE")
_SAMPLE_SECONDS = 0.1


@dataclass(frozen=True)
class ProcessRun:
    """One timed run of one command."""

    seconds: float
    peak_rss_mb: float
    peak_tree_rss_mb: float
    returncode: int
    load_average: float

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


class CommandFailed(RuntimeError):
    """A benchmarked command exited with an error."""


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: split after the last ')'.
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    return children


def tree_rss_bytes(root: int) -> int:
    """Resident bytes of a process and all its descendants, now."""
    children = _children_map()
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        with contextlib.suppress(OSError, IndexError, ValueError):
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
        stack.extend(children.get(pid, []))
    return total


class _TreeSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(_SAMPLE_SECONDS):
            self.peak = max(self.peak, tree_rss_bytes(self.pid))


def run_process(
    argv: Sequence[str], env: dict[str, str], cwd: Path, log: Path, check: bool = True
) -> ProcessRun:
    """Run one command to completion; its output goes to `log`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        out.write(f"\n$ {' '.join(argv)}\n".encode())
        out.flush()
        began = time.perf_counter()
        process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        sampler = _TreeSampler(process.pid)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - began
        sampler.done.set()
        sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    if check and process.returncode != 0:
        raise CommandFailed(f"{' '.join(argv)} exited {process.returncode}; see {log}")
    mb = 1024 * 1024
    return ProcessRun(
        seconds=round(seconds, 3),
        peak_rss_mb=round(usage.ru_maxrss * 1024 / mb, 1),  # ru_maxrss is in KiB on Linux
        peak_tree_rss_mb=round(max(sampler.peak, usage.ru_maxrss * 1024) / mb, 1),
        returncode=process.returncode,
        load_average=round(os.getloadavg()[0], 2),
    )


@dataclass
class StepResult:
    """Every repetition of one step and their summary."""

    name: str
    runs: list[ProcessRun] = field(default_factory=list)
    note: str = ""

    @property
    def median_seconds(self) -> float:
        return round(statistics.median(r.seconds for r in self.runs), 3)

    @property
    def peak_rss_mb(self) -> float:
        return max(r.peak_rss_mb for r in self.runs)

    @property
    def peak_tree_rss_mb(self) -> float:
        return max(r.peak_tree_rss_mb for r in self.runs)

    def as_dict(self) -> dict[str, object]:
        seconds = [r.seconds for r in self.runs]
        return {
            "runs": [r.as_dict() for r in self.runs],
            "repetitions": len(self.runs),
            "median_seconds": self.median_seconds,
            "min_seconds": min(seconds),
            "max_seconds": max(seconds),
            "peak_rss_mb": self.peak_rss_mb,
            "peak_tree_rss_mb": self.peak_tree_rss_mb,
            "note": self.note,
        }


def repeat(
    name: str, once: Callable[[int], ProcessRun], repetitions: int, budget_seconds: float
) -> StepResult:
    """Run a step up to `repetitions` times; stop early once it has used its time budget.

    `once(i)` prepares repetition i (copies, clean folders) and returns the timed run;
    preparation is not timed.
    """
    result = StepResult(name)
    for i in range(repetitions):
        result.runs.append(once(i))
        if sum(r.seconds for r in result.runs) > budget_seconds and i + 1 < repetitions:
            result.note = f"stopped after {i + 1} of {repetitions} runs (time budget)"
            break
    return result
