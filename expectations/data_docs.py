"""The GX Data Docs site beside a warehouse: every suite's latest result, and its history.

Each suite runs in a process of its own (a Dagster asset check) with an ephemeral GX
context that holds only its own result, and GX's index builder removes every page whose
result its context does not hold: the site showed the suite validated last, alone. So each
result is also kept as JSON in `gx_validation_results/` beside the site (the newest
`KEPT_RUNS` per suite), and every site build loads all kept results and every suite before
GX renders the index. Pages of results no longer kept are removed by GX itself. A file lock
keeps two checks from building the site at once: each would remove the other's new page.
"""

from __future__ import annotations

import fcntl
import json
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

# A month of daily runs per suite.
KEPT_RUNS = 30
RESULTS_FOLDER = "gx_validation_results"


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
    """Sorts by run time: the newest result of a suite is its last file."""
    return key.run_id.run_time.strftime("%Y%m%dT%H%M%S.%fZ") + ".json"


def keep_result(
    context: gx.data_context.AbstractDataContext,
    docs_dir: Path,
    key: ValidationResultIdentifier,
    result: ExpectationSuiteValidationResult,
) -> None:
    """Write a suite's result beside the site (atomically) and drop its oldest beyond
    KEPT_RUNS."""
    folder = results_dir(docs_dir) / key.expectation_suite_identifier.name
    folder.mkdir(parents=True, exist_ok=True)
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


def load_results(context: gx.data_context.AbstractDataContext, docs_dir: Path) -> int:
    """Put every kept result into the context's results store; returns how many."""
    store = context.validation_results_store
    paths = sorted(results_dir(docs_dir).glob("*/*.json"))
    for path in paths:
        record = json.loads(path.read_text())
        key = ValidationResultIdentifier.from_tuple(tuple(record["key"]))
        store.set(key, store.deserialize(record["result"]))
    return len(paths)
