"""dbt models and seeds as Dagster assets, one asset per model; dbt tests become asset checks."""

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt import (
    DagsterDbtTranslator,
    DbtCliInvocation,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from orchestration.builds_completed import full_refresh_needed
from orchestration.dbt_artifacts import invocation_target
from orchestration.freshness import MARTS_FRESHNESS
from orchestration.resources import (
    DBT_BUILD_ARGS,
    WAREHOUSE_POOL,
    WarehouseResource,
    dbt_project,
    ensure_dbt_manifest,
)

ensure_dbt_manifest()

# dbt folder (first path part under models/) -> Dagster asset group.
_GROUP_BY_FOLDER = {
    "staging": "staging",
    "intermediate": "intermediate",
    "marts": "marts",
    "quality": "quality",
}


class FunnelDbtTranslator(DagsterDbtTranslator):
    """Groups dbt nodes by layer and gives them owners and kinds."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "definitions"
        fqn = dbt_resource_props.get("fqn", [])
        folder = fqn[1] if len(fqn) > 2 else None
        return _GROUP_BY_FOLDER.get(folder or "", "marts")

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        return ["team:analytics-engineering"]

    def get_tags(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, str]:
        return {
            **super().get_tags(dbt_resource_props),
            "layer": self.get_group_name(dbt_resource_props) or "",
        }

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetSpec:
        """Marts carry the freshness expectation: warn when a daily run was missed."""
        spec = super().get_asset_spec(manifest, unique_id, project)
        if spec.group_name == "marts" and unique_id.startswith("model."):
            spec = spec.replace_attributes(freshness_policy=MARTS_FRESHNESS)
        return spec


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=FunnelDbtTranslator(),
    pool=WAREHOUSE_POOL,
)
def funnel_dbt_assets(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
):
    """Seeds, models and data tests, built in dependency order with `dbt build`
    (`DBT_BUILD_ARGS`: unit tests run in CI, not on every run). When dbt stops an
    incremental build that cannot be exact (`assert_no_full_refresh_needed`: the seeds
    changed, or a full refresh stopped halfway), the build runs again with `--full-refresh`.

    Row counts are added after dbt has exited: dagster-dbt's `fetch_row_counts()` queries
    through an in-process dbt-duckdb connection while dbt still holds the file's write lock
    (so most counts fail), and keeps that connection open afterwards, which locks every
    later step out of the warehouse.
    """
    events, error, invocation = _build(context, dbt, warehouse, DBT_BUILD_ARGS)
    if error is not None and full_refresh_needed(invocation.get_artifact("run_results.json")):
        context.log.warning(
            "dbt stopped the incremental build (assert_no_full_refresh_needed: the seeds "
            "changed or a full refresh did not finish): rebuilding every model from the "
            "event log with --full-refresh."
        )
        events, error, invocation = _build(
            context, dbt, warehouse, (*DBT_BUILD_ARGS, "--full-refresh")
        )
    # What dbt did build is reported even when it failed; then the step fails.
    yield from with_row_counts(events, invocation.manifest, warehouse.database)
    if error is not None:
        raise error


def _build(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
    args: tuple[str, ...],
) -> tuple[list, Exception | None, DbtCliInvocation]:
    """Run dbt with `args`: its events, the error it failed with (or None) and the run."""
    with invocation_target(context, warehouse.database) as folder:
        invocation = dbt.cli(list(args), context=context, target_path=folder)
        events: list = []
        try:
            for event in invocation.stream():
                events.append(event)
                if isinstance(event, dg.Output):
                    built = sum(isinstance(e, dg.Output) for e in events)
                    context.log.info(
                        f"built {event.output_name} ({built}/{len(context.selected_asset_keys)})"
                    )
        except Exception as error:
            return events, error, invocation
    return events, None, invocation


def with_row_counts(events: list, manifest: Mapping[str, Any], database: Path) -> Iterator:
    """The events, each model and seed materialization carrying `dagster/row_count`."""
    with duckdb.connect(str(database), read_only=True) as con:
        for event in events:
            unique_id = event.metadata.get("unique_id")
            unique_id = getattr(unique_id, "value", unique_id)  # a MetadataValue once in an event
            node = manifest["nodes"].get(str(unique_id), {})
            if isinstance(event, dg.Output) and node.get("config", {}).get("materialized") in (
                "table",
                "incremental",
                "seed",
            ):
                relation = f'"{node["schema"]}"."{node["alias"]}"'
                (rows,) = con.execute(f"select count(*) from {relation}").fetchone()
                event = event.with_metadata({**event.metadata, "dagster/row_count": rows})
            yield event
