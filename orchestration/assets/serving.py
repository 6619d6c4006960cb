"""The BI serving copy: the marts, published to their own DuckDB file and to Parquet."""

import json

import dagster as dg
import duckdb

from orchestration.assets.dbt import FunnelDbtTranslator
from orchestration.freshness import MARTS_FRESHNESS
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource, dbt_project
from orchestration.serving.locations import ServingResource
from orchestration.serving.publish import (
    SERVING_SCHEMA,
    STORAGE_VERSION,
    STORAGE_VERSION_NUMBER,
    Publication,
    quote_identifier,
    storage_version_number,
)
from orchestration.serving.publish import publish_marts as publish

SERVING_MARTS_KEY = dg.AssetKey(["serving", "marts_copy"])
ROW_COUNTS_CHECK = "row_counts_match_warehouse"
STORAGE_CHECK = "readable_by_duckdb_1x"
_MATERIALIZED = ("table", "incremental", "view")


def mart_models() -> dict[str, dg.AssetKey]:
    """Every dbt model built into the marts schema, by table name, with its asset key."""
    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    translator = FunnelDbtTranslator()
    marts = {}
    for unique_id, node in manifest["nodes"].items():
        if (
            node["resource_type"] == "model"
            and node["schema"] == SERVING_SCHEMA
            and node["config"].get("materialized") in _MATERIALIZED
        ):
            spec = translator.get_asset_spec(manifest, unique_id, dbt_project)
            marts[node["alias"]] = spec.key
    return dict(sorted(marts.items()))


MART_MODELS = mart_models()


def warehouse_row_counts(warehouse: WarehouseResource, tables: list[str]) -> dict[str, int]:
    with duckdb.connect(str(warehouse.database), read_only=True) as con:
        return {
            table: con.execute(
                f"select count(*) from {SERVING_SCHEMA}.{quote_identifier(table)}"
            ).fetchone()[0]
            for table in tables
        }


def served_row_counts(publication: Publication) -> dict[str, int]:
    """Counted again from the file on disk, as a reader opening it now sees it."""
    with duckdb.connect(str(publication.database), read_only=True) as con:
        return {
            table: con.execute(
                f"select count(*) from {SERVING_SCHEMA}.{quote_identifier(table)}"
            ).fetchone()[0]
            for table in publication.row_counts
        }


def publication_metadata(publication: Publication) -> dict[str, dg.MetadataValue]:
    return {
        "serving_database": dg.MetadataValue.path(str(publication.database)),
        "parquet_folder": dg.MetadataValue.path(str(publication.parquet_dir)),
        "tables": dg.MetadataValue.int(len(publication.row_counts)),
        "rewritten": dg.MetadataValue.json(publication.rewritten),
        "patched": dg.MetadataValue.json(publication.patched),
        "rows": dg.MetadataValue.int(sum(publication.row_counts.values())),
        "size_mb": dg.MetadataValue.float(round(publication.size_bytes / 1e6, 3)),
        "storage_version": dg.MetadataValue.text(STORAGE_VERSION),
        "row_counts": dg.MetadataValue.table(
            records=[
                dg.TableRecord({"table": table, "rows": rows})
                for table, rows in publication.row_counts.items()
            ],
            schema=dg.TableSchema(
                columns=[dg.TableColumn("table", "string"), dg.TableColumn("rows", "int")]
            ),
        ),
        "connect": dg.MetadataValue.md(
            f"Read-only: `duckdb -readonly {publication.database}`, or "
            f"`duckdb:///{publication.database}?access_mode=read_only` in a BI tool."
        ),
    }


@dg.asset(
    key=SERVING_MARTS_KEY,
    deps=list(MART_MODELS.values()),
    group_name="serving",
    kinds={"duckdb", "parquet"},
    owners=["team:analytics-engineering"],
    tags={"layer": "serving", "audience": "bi"},
    pool=WAREHOUSE_POOL,
    freshness_policy=MARTS_FRESHNESS,
    description=(
        "Copy of the marts and dimensions (schema `marts` only: no raw layer, no personal "
        "data) for BI tools, in its own DuckDB file `funnel_marts.duckdb` in "
        "`FUNNEL_SERVING_DIR` (default: beside the warehouse), written in DuckDB's "
        f"{STORAGE_VERSION} storage format so DuckDB 1.x clients open it, and as one Parquet "
        "file per mart under `parquet/`. Built under a temporary name and swapped in "
        "atomically after each successful run: readers never block the pipeline and always "
        "see a complete version. Marts whose content did not change are carried over from "
        "the previous version, changed marts are patched in the groups of rows that changed "
        "(by their grain key), and a mart kept as a view over served marts is served as that "
        "view."
    ),
    check_specs=[
        dg.AssetCheckSpec(
            ROW_COUNTS_CHECK,
            asset=SERVING_MARTS_KEY,
            description="Every mart in the serving copy has as many rows as in the warehouse.",
        ),
        dg.AssetCheckSpec(
            STORAGE_CHECK,
            asset=SERVING_MARTS_KEY,
            description=(
                f"The serving file's header carries storage version {STORAGE_VERSION_NUMBER}, "
                "the one DuckDB 1.x clients read."
            ),
        ),
    ],
)
def serving_marts(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, serving: ServingResource
) -> dg.MaterializeResult:
    tables = list(MART_MODELS)
    folder = serving.folder(warehouse.database)
    context.log.info(f"publishing {len(tables)} marts to {folder}")
    publication = publish(warehouse.database, folder, tables, log=context.log.info)
    expected = warehouse_row_counts(warehouse, tables)
    served = served_row_counts(publication)
    mismatched = {t: (expected[t], served.get(t)) for t in tables if expected[t] != served.get(t)}
    version = storage_version_number(publication.database)
    return dg.MaterializeResult(
        metadata=publication_metadata(publication),
        check_results=[
            dg.AssetCheckResult(
                check_name=ROW_COUNTS_CHECK,
                passed=not mismatched,
                metadata={"mismatched": dg.MetadataValue.json(mismatched)},
            ),
            dg.AssetCheckResult(
                check_name=STORAGE_CHECK,
                passed=version == STORAGE_VERSION_NUMBER,
                metadata={"storage_version_number": dg.MetadataValue.int(version)},
            ),
        ],
    )
