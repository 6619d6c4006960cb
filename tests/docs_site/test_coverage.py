"""Everything on the docs site is described, and the landing page is the project's overview."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.seeds import stages
from orchestration.serving.docs_site import coverage, read_manifest, tracking_enabled
from orchestration.serving.locations import DOCS_FOLDER


def resource(kind: str, name: str, description: str = "", **extra: object) -> dict:
    return {"resource_type": kind, "name": name, "package_name": "demo",
            "description": description, "columns": {}, **extra}  # fmt: skip


TINY_MANIFEST = {
    "metadata": {"project_name": "demo", "send_anonymous_usage_stats": False},
    "nodes": {
        "model.demo.a": resource("model", "a", "One row per a.", columns={
            "id": {"name": "id", "description": "Key."},
            "x": {"name": "x", "description": " "},
        }),
        "model.other.b": resource("model", "b", package_name="other"),
        "seed.demo.s": resource("seed", "s"),
        "test.demo.t": resource("test", "assert_t"),
        "test.demo.g": resource("test", "unique_a_id", test_metadata={"name": "unique"}),
    },
    "macros": {
        "macro.demo.m": resource("macro", "m", "Does m."),
        "macro.demo.default__m": resource("macro", "default__m"),
        "macro.demo.test_rule": resource("macro", "test_rule"),
    },
    "exposures": {"exposure.demo.e": resource("exposure", "e", "A dashboard.")},
}  # fmt: skip


def test_coverage_counts_only_the_projects_own_resources():
    documented = coverage(TINY_MANIFEST)
    assert documented.totals == {"models": 1, "seeds": 1, "macros": 2, "tests": 1,
                                 "exposures": 1, "columns": 2}  # fmt: skip
    assert documented.undescribed == {"models": [], "seeds": ["s"], "macros": ["test_rule"],
                                      "tests": ["assert_t"], "exposures": [],
                                      "columns": ["a.x"]}  # fmt: skip
    assert documented.described("columns") == 1


def test_tracking_is_on_unless_the_manifest_turns_it_off():
    assert not tracking_enabled(TINY_MANIFEST)
    assert tracking_enabled({"metadata": {"send_anonymous_usage_stats": True}})
    assert tracking_enabled({"metadata": {}})


@pytest.fixture(scope="module")
def site_coverage(warehouse):
    return coverage(read_manifest(Path(warehouse.database.parent) / DOCS_FOLDER))


def test_every_model_seed_column_and_exposure_is_described(site_coverage):
    kinds = ("models", "seeds", "columns", "exposures")
    assert all(site_coverage.totals[kind] > 0 for kind in kinds)
    assert {kind: site_coverage.undescribed[kind] for kind in kinds} == {kind: [] for kind in kinds}


def test_every_macro_and_singular_test_is_described(site_coverage):
    kinds = ("macros", "tests")
    assert {kind: site_coverage.undescribed[kind] for kind in kinds} == {kind: [] for kind in kinds}


def test_overview_explains_the_funnel_in_plain_language(warehouse):
    manifest = read_manifest(Path(warehouse.database.parent) / DOCS_FOLDER)
    overview = manifest["docs"]["doc.revenue_funnel.__overview__"]["block_contents"]
    unexplained = [
        s["stage_name"] for s in stages() if s["stage_name"].lower() not in overview.lower()
    ]
    assert unexplained == []
    for start_here in ("funnel_conversion_by_cohort", "stage_velocity", "fct_customer_journey"):
        assert start_here in overview
        assert f"model.revenue_funnel.{start_here}" in manifest["nodes"], start_here
