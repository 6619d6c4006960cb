"""The GX Data Docs site beside a warehouse: every suite's latest result, and its history.

Each suite is validated with a fresh ephemeral GX context (expectations/runner.py), which
holds only that suite and its own result, and GX's index builder removes every page whose
result or suite its context does not hold: the site showed the suite validated last,
alone. So each result is also kept as JSON in `gx_validation_results/` beside the site (the
newest `KEPT_RUNS` per suite), and every site build loads every suite and every kept result
before GX renders the index; the pages of results no longer kept are removed by GX itself.
A file lock keeps two builds from overlapping (a manual run beside the scheduled one, or a
test beside a job): each would remove the other's new page.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import great_expectations as gx
from great_expectations.core.expectation_validation_result import (
    ExpectationSuiteValidationResult,
)
from great_expectations.data_context.types.resource_identifiers import (
    ValidationResultIdentifier,
)

from expectations.suites import suite_specs

# A month of daily runs per suite.
KEPT_RUNS = 30
RESULTS_FOLDER = "gx_validation_results"
_UNREADABLE = ".unreadable"
_log = logging.getLogger(__name__)


def results_dir(docs_dir: Path) -> Path:
    """Where the results a Data Docs site is built from are kept: beside the site."""
    return docs_dir.parent / RESULTS_FOLDER


@contextmanager
def site_lock(docs_dir: Path) -> Iterator[None]:
    """Held while a result is kept and the site built (an exclusive lock on a file)."""
    folder = results_dir(docs_dir)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _file_name(key: ValidationResultIdentifier) -> str:
    """The run time as GX names the result's page folder; sorts oldest first."""
    _, run_time = key.run_id.to_tuple()
    return f"{run_time}.json"


def keep_result(
    context: gx.data_context.AbstractDataContext,
    docs_dir: Path,
    key: ValidationResultIdentifier,
    result: ExpectationSuiteValidationResult,
) -> None:
    """Write a suite's result beside the site (atomically) and drop its oldest beyond
    KEPT_RUNS, with any write a crash left unfinished."""
    folder = results_dir(docs_dir) / key.expectation_suite_identifier.name
    folder.mkdir(parents=True, exist_ok=True)
    for unfinished in folder.glob("*.partial"):
        unfinished.unlink()
    path = folder / _file_name(key)
    record = {
        "key": list(key.to_tuple()),
        "result": context.validation_results_store.serialize(result),
    }
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(record))
    os.replace(partial, path)
    for old in sorted(folder.glob("*.json"))[:-KEPT_RUNS]:
        old.unlink()


def add_other_suites(context: gx.data_context.AbstractDataContext, validated: str) -> None:
    """Every suite the job runs, besides the one validated, so that the index keeps their
    pages."""
    for spec in suite_specs():
        if spec.name != validated:
            context.suites.add(spec.suite())


def load_results(context: gx.data_context.AbstractDataContext, docs_dir: Path) -> int:
    """Put the kept results of the job's suites into the context's results store; returns
    how many. A file that cannot be read (damaged, or written by another GX version) is
    renamed aside with a warning: the site then leaves out that run, and no check fails."""
    store = context.validation_results_store
    loaded = 0
    for spec in suite_specs():
        for path in sorted((results_dir(docs_dir) / spec.name).glob("*.json")):
            try:
                record = json.loads(path.read_text())
                key = ValidationResultIdentifier.from_tuple(tuple(record["key"]))
                result = store.deserialize(record["result"])
            except Exception as error:
                _log.warning("set aside unreadable GX result %s: %s", path, error)
                path.rename(path.with_name(path.name + _UNREADABLE))
                continue
            store.set(key, result)
            loaded += 1
    return loaded
