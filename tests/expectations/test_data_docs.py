"""The GX Data Docs site lists every suite validated into it, each with its recent runs.

Each suite is validated by a process of its own with a fresh GX context, as the Dagster
asset checks do; the site must still show them all, and drop only the runs past the
number kept."""

from __future__ import annotations

import re
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
    validate_table(spec("raw_sales_events_integrity"), raw, docs)
    validate_table(spec("won_deal_agreement"), journey, docs)

    links = index_links(docs)
    assert [link.split("/")[0] for link in links] == [
        "raw_sales_events_integrity",
        "won_deal_agreement",
    ]
    for suite in ("raw_sales_events_integrity", "won_deal_agreement"):
        (page,) = validation_pages(docs, suite)
        assert page.parent.name in {link.split("/")[1] for link in links}
        assert (docs / "expectations" / f"{suite}.html").exists()


def test_the_newest_runs_are_kept_and_older_ones_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(data_docs, "KEPT_RUNS", 2)
    database = tmp_path / "warehouse.duckdb"
    write_raw_sales(database, planted_sales_rows())
    docs = tmp_path / "gx_data_docs"
    suite = spec("raw_sales_events_integrity")
    for _ in range(3):
        validate_table(suite, database, docs)

    kept = sorted((data_docs.results_dir(docs) / suite.name).glob("*.json"))
    pages = validation_pages(docs, suite.name)
    assert len(kept) == len(pages) == 2
    # The two newest runs: their pages are the ones left, and the ones the index links.
    runs = [path.stem for path in kept]
    assert [page.parent.name for page in pages] == runs
    assert index_links(docs) == [f"{suite.name}/{run}" for run in runs]
