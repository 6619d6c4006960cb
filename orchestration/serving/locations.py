"""Where the serving copy, the Parquet exports, the docs site and the report are written."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

SERVING_DATABASE = "funnel_marts.duckdb"
PARQUET_LINK = "parquet"
PARQUET_SNAPSHOTS = ".parquet_snapshots"
DOCS_FOLDER = "docs"
REPORT_PNG = "funnel_report.png"
REPORT_HTML = "funnel_report.html"


def serving_dir(warehouse_file: Path, configured: str | None = None) -> Path:
    """`FUNNEL_SERVING_DIR` (or the configured folder); by default beside the warehouse file."""
    chosen = configured or os.environ.get("FUNNEL_SERVING_DIR", "")
    return Path(chosen) if chosen else Path(warehouse_file).resolve().parent


class ServingResource(dg.ConfigurableResource):
    """The folder BI tools and people read from; empty means beside the warehouse file."""

    directory: str = os.environ.get("FUNNEL_SERVING_DIR", "")

    def folder(self, warehouse_file: Path) -> Path:
        path = serving_dir(warehouse_file, self.directory)
        path.mkdir(parents=True, exist_ok=True)
        return path
