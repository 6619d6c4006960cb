"""The dbt docs site the session run generated, served on 127.0.0.1 and opened in Chromium.

Uses Debian's /usr/bin/chromium (installed by .ci/run) through Playwright; no browser is
downloaded. Every request the page makes is recorded: the site must call nothing outside.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import matplotlib.image
import pytest
from playwright.sync_api import BrowserContext, Page, sync_playwright

from orchestration.serving.docs_site import read_manifest, tracking_enabled
from orchestration.serving.locations import DOCS_FOLDER

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
FACT = "model.revenue_funnel.fct_customer_journey"


@pytest.fixture(scope="module")
def site(warehouse) -> Path:
    folder = warehouse.database.parent / DOCS_FOLDER
    assert (folder / "index.html").exists(), "the job did not generate the docs site"
    return folder


@pytest.fixture(scope="module")
def manifest(site: Path) -> dict:
    return read_manifest(site)


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    handler = functools.partial(QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: apt-get install -y chromium (.ci/run does)")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium_profile")),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_FLAGS,
        )
        yield context
        context.close()


@pytest.fixture
def page(browser: BrowserContext) -> Iterator[Page]:
    page = browser.new_page()
    page.requested = []  # type: ignore[attr-defined]
    page.on("request", lambda request: page.requested.append(request.url))  # type: ignore[attr-defined]
    yield page
    page.close()


def open_model(page: Page, base: str, unique_id: str, name: str) -> None:
    page.goto(f"{base}/index.html#!/model/{unique_id}")
    page.locator(".app-title, h1", has_text=name).first.wait_for(timeout=30_000)


def outside_requests(page: Page) -> list[str]:
    hosts = {"127.0.0.1"}
    return [
        url
        for url in page.requested  # type: ignore[attr-defined]
        if urlparse(url).scheme in ("http", "https", "ws", "wss")
        and urlparse(url).hostname not in hosts
    ]


def test_generated_without_usage_tracking(manifest: dict, site: Path):
    assert not tracking_enabled(manifest)
    assert (site / "static_index.html").stat().st_size > (site / "index.html").stat().st_size


def test_fact_page_shows_description_and_columns(page: Page, server: str, manifest: dict):
    node = manifest["nodes"][FACT]
    open_model(page, server, FACT, node["name"])
    last_column = list(node["columns"])[-1]
    page.get_by_text(last_column, exact=True).first.wait_for(timeout=30_000)
    text = page.locator("body").inner_text()
    first_sentence = node["description"].split(".")[0].strip()
    assert first_sentence and first_sentence in " ".join(text.split())
    shown = set(text.split())
    missing = [name for name in node["columns"] if name not in shown]
    assert len(node["columns"]) > 10 and missing == []
    assert outside_requests(page) == []


def test_lineage_graph_renders(page: Page, server: str, manifest: dict, tmp_path: Path):
    node = manifest["nodes"][FACT]
    open_model(page, server, FACT, node["name"])
    page.locator(".launcher").first.click()
    page.wait_for_function(
        "() => { const c = document.querySelector('#cy');"
        " return c && c._cyreg && c._cyreg.cy && c._cyreg.cy.nodes().length > 0; }",
        timeout=30_000,
    )
    page.wait_for_timeout(1500)  # let the layout settle before the screenshot
    shown = set(
        page.evaluate(
            "() => document.querySelector('#cy')._cyreg.cy.nodes(':visible')"
            ".map(n => n.data('label') || n.id())"
        )
    )
    parents = {
        manifest["nodes"][p]["name"] for p in node["depends_on"]["nodes"] if p in manifest["nodes"]
    }
    assert {node["name"], *parents} <= shown
    graph = page.locator("#cy")
    box = graph.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100
    picture = tmp_path / "lineage.png"
    graph.screenshot(path=str(picture))
    pixels = matplotlib.image.imread(picture)[..., :3]
    assert pixels.std() > 0.02, "the lineage graph area is blank"
    assert outside_requests(page) == []


def test_static_single_file_site_works_without_a_server(page: Page, site: Path, manifest: dict):
    node = manifest["nodes"][FACT]
    page.goto(f"{(site / 'static_index.html').as_uri()}#!/model/{FACT}")
    page.locator(".app-title, h1", has_text=node["name"]).first.wait_for(timeout=30_000)
    assert node["description"].split(".")[0].strip() in " ".join(
        page.locator("body").inner_text().split()
    )
    assert outside_requests(page) == []


def test_landing_page_is_the_project_overview(page: Page, server: str, manifest: dict):
    overview = manifest["docs"]["doc.revenue_funnel.__overview__"]["block_contents"]
    page.goto(f"{server}/index.html#!/overview")
    page.get_by_text("Where to start").first.wait_for(timeout=30_000)
    text = " ".join(page.locator("body").inner_text().split())
    assert "The revenue funnel" in text
    for phrase in ("Where to start", "How the funnel works", "lineage graph"):
        assert phrase in overview and phrase in text
    assert outside_requests(page) == []
