"""Where the job's dbt invocations write their artifacts, and what is kept of them.

dagster-dbt gives each invocation a folder of its own under dbt's target path, so that
concurrent runs never mix their artifacts, and starts it from the project's
`partial_parse.msgpack`. Two costs follow, and this module removes both:

- dbt reuses a saved parse only when the profile is the same, and the profile holds the
  warehouse's path. A parse saved for another warehouse (or by `make setup`, which parses
  without one) is thrown away and the whole project parsed again: about 4 s for each of a
  run's two invocations (the build and the docs site). Here an invocation starts from the
  parse last saved for its own warehouse, and saves its own parse afterwards.
- dagster-dbt never removes the folders: about 15 MB each, two per run (three with a
  `--full-refresh` retry), so a daily job would fill the disk. Here they live under
  `target/runs/`, and only the newest are kept, with any a run may still be writing.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import dagster as dg

from orchestration.paths import PROJECT_DIR

PARTIAL_PARSE = "partial_parse.msgpack"
RUNS_FOLDER = "runs"
PARSES_FOLDER = "parses"
# Enough invocation folders to read the last few runs' artifacts after the fact.
KEEP_NEWEST = 10
# A folder written to in the last hour may belong to a run still going: never removed.
KEEP_YOUNGER_THAN_SECONDS = 3600
_log = logging.getLogger(__name__)


def target_dir() -> Path:
    """dbt's target path, as dbt and dagster-dbt read it (`DBT_TARGET_PATH`, else `target`)."""
    target = Path(os.environ.get("DBT_TARGET_PATH", "target"))
    return target if target.is_absolute() else PROJECT_DIR / target


def _saved_parse(warehouse: Path, target: Path) -> Path:
    # Keyed by the checkout too: a parse names its project's files by their full paths (a
    # seed's, for one), so another checkout sharing a DBT_TARGET_PATH must not reuse it.
    key = hashlib.sha256(f"{PROJECT_DIR}\n{warehouse.resolve()}".encode()).hexdigest()[:16]
    return target / PARSES_FOLDER / f"{key}.msgpack"


@contextlib.contextmanager
def invocation_target(context: dg.AssetExecutionContext, warehouse: Path) -> Iterator[Path]:
    """The target folder for one dbt invocation of a step on `warehouse`, named after the
    step and run as dagster-dbt names its own; its parse is kept when the invocation ends."""
    name = f"{context.op_execution_context.op.name}-{context.run.run_id[:7]}"
    folder = invocation_folder(warehouse, name)
    try:
        yield folder
    finally:
        keep_parse(folder, warehouse, warn=context.log.warning)


def invocation_folder(warehouse: Path, name: str, target: Path | None = None) -> Path:
    """A new folder for one dbt invocation on `warehouse`, holding the parse last saved for
    that warehouse (dagster-dbt then leaves it as it is)."""
    target = target or target_dir()
    folder = target / RUNS_FOLDER / f"{name}-{uuid.uuid4().hex[:7]}"
    folder.mkdir(parents=True)
    # Another run's prune may remove the saved parse at any moment: then dbt parses.
    with contextlib.suppress(FileNotFoundError):
        shutil.copyfile(_saved_parse(warehouse, target), folder / PARTIAL_PARSE)
    return folder


def keep_parse(
    folder: Path,
    warehouse: Path,
    target: Path | None = None,
    warn: Callable[[str], None] = _log.warning,
) -> None:
    """Save the invocation's parse as `warehouse`'s, then prune old folders and parses.

    Only a cache: a file-system error is reported through `warn`, never raised, so that it
    cannot fail a build or hide the error dbt failed with.
    """
    target = target or target_dir()
    try:
        written = folder / PARTIAL_PARSE
        if written.exists():
            saved = _saved_parse(warehouse, target)
            saved.parent.mkdir(parents=True, exist_ok=True)
            # Copied beside, then renamed: a concurrent run reads a whole file or the old one.
            staged = saved.with_name(f"{saved.name}.{uuid.uuid4().hex[:7]}")
            shutil.copyfile(written, staged)
            os.replace(staged, saved)
        prune(target / RUNS_FOLDER)
        prune(target / PARSES_FOLDER)
    except OSError as error:
        warn(f"dbt's parse was not saved for the next run, or old folders not pruned: {error}")


def prune(folder: Path, keep: int = KEEP_NEWEST, now: float | None = None) -> list[Path]:
    """Remove all but the `keep` newest entries of `folder`, sparing any written in the last
    hour; the removed paths."""
    if not folder.is_dir():
        return []
    now = time.time() if now is None else now
    written = {entry: _modified(entry) for entry in folder.iterdir()}
    entries = sorted(written, key=written.__getitem__, reverse=True)
    removed = []
    for entry in entries[keep:]:
        if now - written[entry] < KEEP_YOUNGER_THAN_SECONDS:
            continue
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed


def _modified(path: Path) -> float:
    """When `path` was last written. A folder's own time changes only when an entry is added
    or removed, so a running dbt, which appends to its log, is judged by the log's time."""
    try:
        times = [path.stat().st_mtime]
        times += [log.stat().st_mtime for log in path.glob("dbt.log*")] if path.is_dir() else []
        return max(times)
    except FileNotFoundError:  # removed by another run's prune meanwhile: treated as new
        return time.time()
