"""Run a suite on a table through pandas, and build the GX Data Docs.

GX over SQL through duckdb-engine fails silently on this stack (every expectation errors
and reports nothing), so tables are read with DuckDB into a DataFrame and validated with
GX's pandas engine. An expectation that raises is never taken as passed.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import great_expectations as gx
import pandas as pd

from expectations import rules
from expectations.suites import SuiteSpec

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
logging.getLogger("great_expectations").setLevel(logging.WARNING)

SAMPLE_SIZE = 10


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's result: its rule, how many rows failed, a sample of them."""

    rule_key: str
    severity: str
    expectation: str
    column: str
    success: bool
    failing_rows: int
    sample: list[str]
    error: str = ""


@dataclass(frozen=True)
class SuiteOutcome:
    """A suite's results on one table."""

    suite_name: str
    row_count: int
    outcomes: list[ExpectationOutcome] = field(default_factory=list)

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]

    @property
    def success(self) -> bool:
        return not self.failed

    @property
    def failing_rows(self) -> int:
        return sum(o.failing_rows for o in self.failed)

    @property
    def blocks(self) -> bool:
        """True when an integrity (severity error) expectation failed."""
        return any(o.severity == "error" for o in self.failed)

    def failing_rows_by_rule(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for outcome in self.outcomes:
            counts[outcome.rule_key] = counts.get(outcome.rule_key, 0) + outcome.failing_rows
        return counts


def read_table(database: Path, sql: str) -> pd.DataFrame:
    """A table of the warehouse as a DataFrame (read-only connection)."""
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).df()


def _context(docs_dir: Path | None) -> gx.data_context.AbstractDataContext:
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    if docs_dir is not None:
        context.add_data_docs_site(
            site_name="warehouse",
            site_config={
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
    return context


def _sample(details: dict, id_column: str) -> list[str]:
    """Ids of the first failing rows, else the first failing values."""
    rows = details.get("unexpected_index_list") or []
    if rows and isinstance(rows[0], dict):
        return [str(row.get(id_column)) for row in rows[:SAMPLE_SIZE]]
    return [str(v) for v in (details.get("partial_unexpected_list") or [])[:SAMPLE_SIZE]]


def _exception_message(info: dict) -> str:
    """The message of an exception GX caught while evaluating an expectation, if any.
    GX reports it either at the top level or per metric, nested one level down."""
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    nested = [v for v in info.values() if isinstance(v, dict) and v.get("raised_exception")]
    return "; ".join(str(v.get("exception_message")) for v in nested)


def _outcome(result: object, id_column: str) -> ExpectationOutcome:
    config = result.expectation_config  # type: ignore[attr-defined]
    rule_key = config.meta["rule_key"]
    details = result.result or {}  # type: ignore[attr-defined]
    error = _exception_message(result.exception_info or {})  # type: ignore[attr-defined]
    kwargs = config.kwargs
    column = kwargs.get("column") or f"{kwargs.get('column_A')} > {kwargs.get('column_B')}"
    return ExpectationOutcome(
        rule_key=rule_key,
        severity=rules.data_quality_rules()[rule_key].severity,
        expectation=config.type,
        column=str(column),
        success=bool(result.success) and not error,  # type: ignore[attr-defined]
        failing_rows=int(details.get("unexpected_count") or 0),
        sample=_sample(details, id_column),
        error=error,
    )


def validate(spec: SuiteSpec, frame: pd.DataFrame, docs_dir: Path | None = None) -> SuiteOutcome:
    """Validate a DataFrame against one suite; build the Data Docs into `docs_dir` if given."""
    context = _context(docs_dir)
    batch_definition = (
        context.data_sources.add_pandas("warehouse")
        .add_dataframe_asset(spec.name)
        .add_batch_definition_whole_dataframe("whole_table")
    )
    suite = context.suites.add(spec.suite())
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name=spec.name, data=batch_definition, suite=suite)
    )
    actions = [gx.checkpoint.UpdateDataDocsAction(name="data_docs")] if docs_dir else []
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(
            name=spec.name,
            validation_definitions=[validation],
            actions=actions,
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": [spec.id_column],
                "partial_unexpected_count": SAMPLE_SIZE,
            },
        )
    )
    result = checkpoint.run(batch_parameters={"dataframe": frame})
    (run,) = result.run_results.values()
    return SuiteOutcome(spec.name, len(frame), [_outcome(r, spec.id_column) for r in run.results])


def validate_table(spec: SuiteSpec, database: Path, docs_dir: Path | None = None) -> SuiteOutcome:
    """Validate the table a suite reads, in the given warehouse."""
    return validate(spec, read_table(database, spec.sql), docs_dir)


def docs_dir_beside(database: Path) -> Path:
    """Where the Data Docs of a warehouse are built: `<warehouse dir>/gx_data_docs`."""
    return database.parent / "gx_data_docs"
