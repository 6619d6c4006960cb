"""The dbt docs site: publish the generated files and measure how well things are described.

`dbt docs generate --static` writes `index.html` (which loads `manifest.json` and
`catalog.json` beside it) and `static_index.html` (one file with both inlined, to mail or
attach anywhere). The page only injects dbt's tracking script when the manifest says
`send_anonymous_usage_stats: true`; the project turns it off and this module refuses to
publish a site that would call out.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SITE_FILES = ("index.html", "manifest.json", "catalog.json", "static_index.html")


class TrackingEnabledError(RuntimeError):
    """The generated site would load dbt's anonymous usage tracking script."""


@dataclass(frozen=True)
class Coverage:
    """Per kind of documented thing (models, seeds, columns, macros, tests, exposures): how
    many the project has and which of them have no description."""

    totals: dict[str, int]
    undescribed: dict[str, list[str]]

    def described(self, kind: str) -> int:
        return self.totals[kind] - len(self.undescribed[kind])


def read_manifest(target: Path) -> dict[str, Any]:
    return json.loads((target / "manifest.json").read_text(encoding="utf-8"))


def tracking_enabled(manifest: dict[str, Any]) -> bool:
    """True when the docs page would inject the anonymous usage tracking script."""
    return bool(manifest.get("metadata", {}).get("send_anonymous_usage_stats", True))


def publish_site(target: Path, folder: Path) -> Path:
    """Copy the generated site into `folder`, each file replaced atomically."""
    if tracking_enabled(read_manifest(target)):
        raise TrackingEnabledError(
            "dbt generated the docs with anonymous usage stats on; set "
            "flags.send_anonymous_usage_stats: false (or DBT_SEND_ANONYMOUS_USAGE_STATS=false)"
        )
    folder.mkdir(parents=True, exist_ok=True)
    for name in SITE_FILES:
        staged = folder / f".{name}.tmp"
        shutil.copyfile(target / name, staged)
        os.replace(staged, folder / name)
    return folder


def coverage(manifest: dict[str, Any]) -> Coverage:
    """Descriptions present on this project's own resources (not on dbt's or packages')."""
    project = manifest["metadata"].get("project_name")

    def own(resources: dict[str, Any]) -> list[dict[str, Any]]:
        return [r for r in resources.values() if r.get("package_name") == project]

    nodes = own(manifest["nodes"])
    by_kind = {
        "models": [n for n in nodes if n["resource_type"] in ("model", "snapshot")],
        "seeds": [n for n in nodes if n["resource_type"] == "seed"],
        "macros": [m for m in own(manifest["macros"]) if not _is_dispatch_variant(m["name"])],
        "tests": [n for n in nodes if n["resource_type"] == "test" and not n.get("test_metadata")],
        "exposures": own(manifest.get("exposures", {})),
    }
    undescribed = {
        kind: sorted(r["name"] for r in resources if not r.get("description", "").strip())
        for kind, resources in by_kind.items()
    }
    totals = {kind: len(resources) for kind, resources in by_kind.items()}
    columns = [
        (node["name"], column)
        for node in by_kind["models"] + by_kind["seeds"]
        for column in node["columns"].values()
    ]
    totals["columns"] = len(columns)
    undescribed["columns"] = sorted(
        f"{name}.{column['name']}" for name, column in columns if not column["description"].strip()
    )
    return Coverage(totals=totals, undescribed=undescribed)


def _is_dispatch_variant(name: str) -> bool:
    """`default__x` and `<adapter>__x` implement macro `x`, which carries the description."""
    prefix, separator, _ = name.partition("__")
    return bool(separator) and prefix != "test" and not name.startswith("__")
