"""Combine the results of one suite run batch by batch into the result of the whole table.

Every expectation of the suites is a map expectation: each row passes or fails on its own,
so the whole-table result is the batches' counts summed and their failing rows
concatenated in table order. GX's own formatter then derives the percentages, partial
lists and value counts from those, exactly as it does for one DataFrame. In the SUMMARY
format a batch lists only its first failing rows; the table's first ones are the first of
those concatenated, and SUMMARY's value counts are taken over those alone.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from great_expectations.core.expectation_validation_result import (
    ExpectationSuiteValidationResult,
    ExpectationValidationResult,
)
from great_expectations.expectations.expectation import _format_map_output
from great_expectations.expectations.expectation_configuration import parse_result_format
from great_expectations.validator.validation_statistics import calc_validation_statistics

_QUERY_HEAD, _QUERY_TAIL = "df.filter(items=[", "], axis=0)"


def _index_query(queries: list[Any]) -> str | None:
    """GX's pandas query for the failing rows of the whole table (batch indexes are global)."""
    if not queries or any(q is None for q in queries):
        return None
    items = [q[len(_QUERY_HEAD) : -len(_QUERY_TAIL)] for q in queries]
    return _QUERY_HEAD + ", ".join(i for i in items if i) + _QUERY_TAIL


def _raised(result: ExpectationValidationResult) -> bool:
    """GX caught an exception: at the top level or in one of the metrics (one level down)."""
    info = result.exception_info or {}
    nested = [v for v in info.values() if isinstance(v, dict)]
    return bool(info.get("raised_exception")) or any(v.get("raised_exception") for v in nested)


def _concat(results: list[dict], key: str, first: int) -> list[Any] | None:
    """The batches' lists under `key` (COMPLETE's whole lists), concatenated in table order;
    else the first `first` of their `partial_<key>` lists (SUMMARY's first failing rows),
    which is what SUMMARY lists, and counts values over, for one DataFrame."""
    if all(r.get(key) is not None for r in results):
        return [value for r in results for value in r[key]]
    partial = f"partial_{key}"
    if all(r.get(partial) is not None for r in results):
        return [value for r in results for value in r[partial]][:first]
    return None


def expectation_result(
    batches: list[ExpectationValidationResult], result_format: dict
) -> ExpectationValidationResult:
    """One expectation over the whole table from its results on each batch. A batch on which
    it raised gives the result (an error is never averaged away)."""
    first = batches[0]
    if len(batches) == 1:
        return first
    for batch in batches:
        if _raised(batch):
            return batch
    results = [b.result for b in batches]
    element_count = sum(r["element_count"] for r in results)
    missing = [r.get("missing_count") for r in results]
    nonnull_count = None if None in missing else element_count - sum(missing)  # type: ignore[arg-type]
    parsed = parse_result_format(result_format)
    first_rows = parsed["partial_unexpected_count"]
    formatted = _format_map_output(
        result_format=parsed,
        success=all(b.success for b in batches),
        element_count=element_count,
        nonnull_count=nonnull_count,
        unexpected_count=sum(r["unexpected_count"] for r in results),
        unexpected_list=_concat(results, "unexpected_list", first_rows),
        unexpected_index_list=_concat(results, "unexpected_index_list", first_rows),
        unexpected_index_query=_index_query([r.get("unexpected_index_query") for r in results]),
        unexpected_index_column_names=results[0].get("unexpected_index_column_names"),
    )
    return ExpectationValidationResult(
        success=formatted["success"],
        expectation_config=first.expectation_config,
        result=formatted["result"],
        meta=first.meta,
        exception_info=first.exception_info,
    )


def suite_results(
    batches: list[ExpectationSuiteValidationResult], result_format: dict
) -> ExpectationSuiteValidationResult:
    """The suite over the whole table from its results on each batch (in table order)."""
    last = batches[-1]
    if len(batches) == 1:
        return last
    meta = deepcopy(last.meta)
    # GX fingerprints the DataFrame it saw: here only the last batch, not the table.
    meta.get("batch_markers", {}).pop("pandas_data_fingerprint", None)
    results = [
        expectation_result([batch.results[i] for batch in batches], result_format)
        for i in range(len(last.results))
    ]
    statistics = calc_validation_statistics(results)
    return ExpectationSuiteValidationResult(
        success=statistics.success,
        results=results,
        suite_name=last.suite_name,
        suite_parameters=last.suite_parameters,
        statistics={
            "evaluated_expectations": statistics.evaluated_expectations,
            "successful_expectations": statistics.successful_expectations,
            "unsuccessful_expectations": statistics.unsuccessful_expectations,
            "success_percent": statistics.success_percent,
        },
        meta=meta,
    )
