"""The GX Data Docs site lists every suite validated into it, each with its recent runs.

Each suite is validated with a fresh GX context, as each Dagster asset check does; the site
must still show them all, and drop only the runs past the number kept."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from expectations import data_docs, rules
from expectations.runner import validate_table
from tests.expectations.test_batches import (
    planted_sales_rows,
    spec,
    write_journey,
    write_raw_sales,
)

RAW_SUITE = "raw_sales_events_integrity"
JOURNEY_SUITE = "won_deal_agreement"


def index_links(docs: Path) -> list[str]:
    """The validation pages the site's index links to, as `<suite>/<run time>`."""
    found = re.findall(r"validations/(\w+)/__none__/(\w+\.\w+)/", (docs / "index.html").read_text())
    return sorted({f"{suite}/{run}" for suite, run in found})


def validation_pages(docs: Path, suite: str) -> list[Path]:
    return sorted((docs / "validations" / suite).rglob("*.html"))


def test_the_index_lists_every_suite_validated(tmp_path: Path) -> None:
    raw, journey = tmp_path / "log.duckdb", tmp_path / "facts.duckdb"
    write_raw_sales(raw, planted_sales_rows())
    write_journey(journey, [("e-1", rules.won_event_types()[0], None)])
    docs = tmp_path / "gx_data_docs"
    validate_table(spec(RAW_SUITE), raw, docs)
    validate_table(spec(JOURNEY_SUITE), journey, docs)

    links = index_links(docs)
    assert [link.split("/")[0] for link in links] == [RAW_SUITE, JOURNEY_SUITE]
    for suite in (RAW_SUITE, JOURNEY_SUITE):
        (page,) = validation_pages(docs, suite)
        assert page.parent.name in {link.split("/")[1] for link in links}
        assert (docs / "expectations" / f"{suite}.html").exists()


def run_time(name: str) -> datetime:
    """The run time GX gives a result's page folder (and data_docs its kept file)."""
    return datetime.strptime(name, "%Y%m%dT%H%M%S.%fZ").replace(tzinfo=UTC)


def test_the_newest_runs_are_kept_and_older_ones_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(data_docs, "KEPT_RUNS", 2)
    database = tmp_path / "warehouse.duckdb"
    write_raw_sales(database, planted_sales_rows())
    docs = tmp_path / "gx_data_docs"
    suite = spec(RAW_SUITE)
    windows = []
    for _ in range(3):
        began = datetime.now(UTC)
        validate_table(suite, database, docs)
        windows.append((began, datetime.now(UTC)))

    kept = sorted((data_docs.results_dir(docs) / suite.name).glob("*.json"))
    pages = validation_pages(docs, suite.name)
    assert len(kept) == len(pages) == 2
    # The second and third runs' results and pages are left, and the index links those.
    for name, (began, ended) in zip([p.stem for p in kept], windows[1:], strict=True):
        assert began <= run_time(name) <= ended
    assert [page.parent.name for page in pages] == [path.stem for path in kept]
    assert index_links(docs) == [f"{suite.name}/{path.stem}" for path in kept]


def test_an_unreadable_kept_result_is_set_aside(tmp_path: Path) -> None:
    """A damaged file (or one from another GX version) leaves out its run, not the site."""
    database = tmp_path / "warehouse.duckdb"
    write_raw_sales(database, planted_sales_rows())
    docs = tmp_path / "gx_data_docs"
    suite = spec(RAW_SUITE)
    validate_table(suite, database, docs)
    (first,) = (data_docs.results_dir(docs) / suite.name).glob("*.json")
    first.write_text('{"key": ["not", "a key"]}')

    assert not validate_table(suite, database, docs).success  # the planted rows still fail
    (kept,) = (data_docs.results_dir(docs) / suite.name).glob("*.json")
    assert kept != first
    assert first.with_name(first.name + ".unreadable").exists()
    assert index_links(docs) == [f"{suite.name}/{kept.stem}"]
