"""dbt models and seeds as Dagster assets, one asset per model; dbt tests become asset checks."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration.resources import WAREHOUSE_POOL, dbt_project, ensure_dbt_manifest

ensure_dbt_manifest()

# dbt folder (first path part under models/) -> Dagster asset group.
_GROUP_BY_FOLDER = {"staging": "staging", "intermediate": "intermediate", "marts": "marts"}


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


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=FunnelDbtTranslator(),
    pool=WAREHOUSE_POOL,
)
def funnel_dbt_assets(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """Seeds, models and tests, built in dependency order with `dbt build`."""
    yield from dbt.cli(["build"], context=context).stream().fetch_row_counts()
