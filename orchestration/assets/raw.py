"""Raw layer assets: one per event stream, bulk-loading new landing files into the log."""

import dagster as dg

from orchestration.ingest.loader import FileLoadResult, load_stream, streams, unreconciled_files
from orchestration.ingest.tables import RAW_SCHEMA
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource

_FILE_COLUMNS = [
    ("file_path", "string"),
    ("status", "string"),
    ("rows_read", "int"),
    ("rows_loaded", "int"),
    ("rows_duplicate", "int"),
    ("rows_quarantined", "int"),
]


def raw_asset_key(stream: str) -> dg.AssetKey:
    """Asset key of a stream's raw table; dbt sources point at the same key."""
    return dg.AssetKey([RAW_SCHEMA, f"{stream}_events"])


def load_metadata(results: list[FileLoadResult]) -> dict[str, dg.MetadataValue]:
    """Per-file figures and totals for the Dagster UI."""
    loaded = [r for r in results if r.status == "loaded"]
    table = dg.MetadataValue.table(
        records=[dg.TableRecord({c: getattr(r, c) for c, _ in _FILE_COLUMNS}) for r in results],
        schema=dg.TableSchema(columns=[dg.TableColumn(c, t) for c, t in _FILE_COLUMNS]),
    )
    return {
        "files_seen": dg.MetadataValue.int(len(results)),
        "files_loaded": dg.MetadataValue.int(len(loaded)),
        "files_changed_after_load": dg.MetadataValue.int(
            sum(r.status == "changed_after_load" for r in results)
        ),
        "rows_read": dg.MetadataValue.int(sum(r.rows_read for r in loaded)),
        "rows_loaded": dg.MetadataValue.int(sum(r.rows_loaded for r in loaded)),
        "rows_duplicate": dg.MetadataValue.int(sum(r.rows_duplicate for r in loaded)),
        "rows_quarantined": dg.MetadataValue.int(sum(r.rows_quarantined for r in loaded)),
        "reconciles": dg.MetadataValue.bool(all(r.reconciles for r in loaded)),
        "files": table,
    }


def build_raw_events_asset(stream: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=raw_asset_key(stream),
        group_name="raw",
        kinds={"duckdb", "python"},
        owners=["team:analytics-engineering"],
        tags={"layer": "raw", "stream": stream},
        pool=WAREHOUSE_POOL,
        description=(
            f"Immutable raw log of {stream} events: every new landing file under "
            f"`{stream}/` is bulk-loaded by DuckDB, bad records quarantined with a reason, "
            "duplicates counted, and each file recorded in the load ledger."
        ),
    )
    def _raw_events(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        results = load_stream(warehouse.database, warehouse.landing, stream)
        for result in results:
            if result.status == "changed_after_load":
                context.log.warning(result.message)
            elif result.status == "loaded":
                context.log.info(
                    f"{result.file_path}: read {result.rows_read}, loaded {result.rows_loaded}, "
                    f"duplicates {result.rows_duplicate}, quarantined {result.rows_quarantined}"
                )
        return dg.MaterializeResult(metadata=load_metadata(results))

    return _raw_events


raw_event_assets = [build_raw_events_asset(stream) for stream in streams()]


def build_reconciliation_check(stream: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=raw_asset_key(stream),
        name="every_file_reconciles",
        blocking=True,
        description=(
            "For every loaded file: rows read = loaded + duplicates + quarantined, and the "
            "events stored under its load id number exactly the rows the ledger says it loaded."
        ),
    )
    def _reconciles(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        failures = unreconciled_files(warehouse.database, stream)
        return dg.AssetCheckResult(
            passed=not failures,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "failing_files": dg.MetadataValue.int(len(failures)),
                "sample": dg.MetadataValue.json(failures[:10]),
            },
        )

    return _reconciles


raw_reconciliation_checks = [build_reconciliation_check(stream) for stream in streams()]
