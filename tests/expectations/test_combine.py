"""Batch results combined equal GX's own result for one DataFrame of the whole table, field
by field: counts, percentages, the first failing values and rows, and the value counts
over them."""

from __future__ import annotations

import pandas as pd

from expectations import combine, rules
from expectations.runner import _context, _result_format, _validation
from expectations.suites import suite_specs

SLA_SUITE = "stage_sla_agreement"


def gx_results(frames: list[pd.DataFrame]) -> list[dict]:
    """Each frame's result per expectation of the stage-SLA suite, as GX gives it."""
    (spec,) = [s for s in suite_specs() if s.name == SLA_SUITE]
    validation = _validation(_context(None), spec)
    suites = [
        validation.run(batch_parameters={"dataframe": f}, result_format=_result_format(spec))
        for f in frames
    ]
    combined = combine.suite_results(suites, _result_format(spec))
    return [r.result for r in combined.results]


def test_combined_batches_equal_one_dataframe() -> None:
    """Two batches whose first ten failing rows differ in value: one DataFrame's SUMMARY
    lists and counts only the table's first ten (the first batch's)."""
    sla_key, hours = next(iter(rules.stage_slas().items()))
    rows = [
        {"stage_entry_id": f"late-{n}", "sla_key": sla_key, "hours_in_stage": hours + 1 + n // 12}
        for n in range(24)
    ] + [{"stage_entry_id": "ok", "sla_key": sla_key, "hours_in_stage": hours}]
    whole = pd.DataFrame(rows)
    batches = [whole.iloc[:12], whole.iloc[12:]]  # each keeps its rows' table positions

    expected = gx_results([whole])
    assert gx_results(batches) == expected
    late = next(r for r in expected if r["unexpected_count"])
    assert late["unexpected_count"] == 24
    assert late["partial_unexpected_counts"] == [{"value": hours + 1, "count": 10}]
