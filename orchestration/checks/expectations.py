"""Every Great Expectations suite as an asset check on the asset it guards.

Suites holding an integrity rule (severity error in seeds/data_quality_rules.csv) are
blocking: when one fails, the assets downstream of the guarded asset are not materialized
in that run (the raw suites stop the dbt build, so no mart is rebuilt from bad data).
Business-rule suites warn: the run goes on and the breaches show in the check's metadata.
Each check also adds its result to the GX Data Docs beside the warehouse (`gx_data_docs/`),
which list every suite's recent runs (expectations/data_docs.py).
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from expectations.runner import SuiteOutcome, docs_dir_beside, validate_table
from expectations.suites import SuiteSpec, suite_specs
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource


def check_metadata(outcome: SuiteOutcome, docs_dir: Path) -> dict[str, dg.MetadataValue]:
    """Failing rows in all, per rule, and a sample of failing rows per expectation."""
    records = [
        dg.TableRecord(
            {
                "rule_key": o.rule_key,
                "severity": o.severity,
                "expectation": o.expectation,
                "column": o.column,
                "failing_rows": o.failing_rows,
                "sample": ", ".join(o.sample),
                "error": o.error,
            }
        )
        for o in outcome.failed
    ]
    columns = [("rule_key", "string"), ("severity", "string"), ("expectation", "string"),
               ("column", "string"), ("failing_rows", "int"), ("sample", "string"),
               ("error", "string")]  # fmt: skip
    return {
        "rows_checked": dg.MetadataValue.int(outcome.row_count),
        "failing_rows": dg.MetadataValue.int(outcome.failing_rows),
        "failing_rows_by_rule": dg.MetadataValue.json(outcome.failing_rows_by_rule()),
        "failed_expectations": dg.MetadataValue.table(
            records=records,
            schema=dg.TableSchema(columns=[dg.TableColumn(c, t) for c, t in columns]),
        ),
        "sample_failing_rows": dg.MetadataValue.json(
            {f"{o.rule_key}:{o.column}": o.sample for o in outcome.failed}
        ),
        "data_docs": dg.MetadataValue.path(str(docs_dir / "index.html")),
    }


def check_result(outcome: SuiteOutcome, docs_dir: Path) -> dg.AssetCheckResult:
    severity = dg.AssetCheckSeverity.ERROR if outcome.blocks else dg.AssetCheckSeverity.WARN
    return dg.AssetCheckResult(
        passed=outcome.success,
        severity=severity,
        metadata=check_metadata(outcome, docs_dir),
        description=f"Great Expectations suite {outcome.suite_name}",
    )


def build_suite_check(spec: SuiteSpec) -> dg.AssetChecksDefinition:
    """The asset check that runs one suite on the table of the asset it guards."""
    kind = "integrity (blocking)" if spec.is_blocking else "agreed business rules (warn)"

    @dg.asset_check(
        asset=dg.AssetKey(list(spec.asset_key)),
        name=f"gx_{spec.name}",
        description=f"Great Expectations suite `{spec.name}`: {kind}; rules "
        + ", ".join(sorted(spec.rule_keys())),
        blocking=spec.is_blocking,
        pool=WAREHOUSE_POOL,
    )
    def _suite_check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        docs_dir = docs_dir_beside(warehouse.database)
        return check_result(validate_table(spec, warehouse.database, docs_dir), docs_dir)

    return _suite_check


expectation_checks = [build_suite_check(spec) for spec in suite_specs()]
