"""The real Dagster UI: `dg dev` on 127.0.0.1 with a free port, queried through GraphQL.

The server gets its own DAGSTER_HOME and data locations in a temporary folder, is asked
for the job, schedule, sensor, asset groups and checks, then stopped the way a person stops
it (Ctrl-C) and must exit with every process it started.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestration.assets.docs import DOCS_SITE_KEY
from orchestration.assets.reports import FUNNEL_REPORT_KEY
from orchestration.assets.serving import ROW_COUNTS_CHECK, SERVING_MARTS_KEY, STORAGE_CHECK

PROJECT_DIR = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 240
EXPECTED_GROUPS = {"raw", "staging", "intermediate", "marts", "quality", "serving", "reports"}

REPOSITORY_QUERY = """
{ repositoriesOrError { ... on RepositoryConnection { nodes {
    jobs { name } schedules { name cronSchedule } sensors { name } } } } }
"""
ASSETS_QUERY = """
{ assetNodes {
    assetKey { path } groupName kinds description
    owners { ... on TeamAssetOwner { team } }
    internalFreshnessPolicy { ... on TimeWindowFreshnessPolicy { failWindowSeconds warnWindowSeconds } }
    assetChecksOrError { ... on AssetChecks { checks { name } } }
} }
"""


# Ports below the kernel's ephemeral range: between our check and the server's bind, no
# outgoing connection (another xdist worker's, dbt's, GX's) can be given one of these.
FIXED_PORTS = range(20_000, 32_768)


def ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return FIXED_PORTS.stop


def free_port() -> int:
    """A port no one listens on, outside the range the kernel hands out on its own."""
    candidates = [p for p in FIXED_PORTS if p < ephemeral_low()]
    for port in random.sample(candidates, min(200, len(candidates))):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail("no free port below the ephemeral range")


def graphql(url: str, query: str) -> dict:
    request = urllib.request.Request(
        f"{url}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        body = json.load(response)
    assert "errors" not in body, body["errors"]
    return body["data"]


def wait_until_serving(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"dg dev exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/server_info", timeout=5) as response:
                if response.status == 200:
                    graphql(url, "{ version }")
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(1)
    pytest.fail(f"dg dev did not serve within {STARTUP_SECONDS}s:\n{log.read_text()[-3000:]}")


def group_members(pgid: int) -> list[int]:
    members = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if os.getpgid(int(proc.name)) == pgid:
                    members.append(int(proc.name))
            except ProcessLookupError:
                continue
    return members


def restore_default_sigint() -> None:
    # A shell that starts pytest in the background ignores SIGINT in its children; give the
    # server Python's usual Ctrl-C behaviour back, so it can shut down cleanly.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture(scope="module")
def webserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("webserver")
    (root / "dagster_home").mkdir()
    (root / "dagster_home" / "dagster.yaml").write_text((PROJECT_DIR / "dagster.yaml").read_text())
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DAGSTER_HOME": str(root / "dagster_home"),
        "FUNNEL_DUCKDB_PATH": str(root / "warehouse.duckdb"),
        "FUNNEL_LANDING_DIR": str(root / "landing"),
        "FUNNEL_SERVING_DIR": str(root / "serving"),
        "DO_NOT_TRACK": "1",
    }
    log = root / "dg_dev.log"
    dg_cli = Path(sys.executable).parent / "dg"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(dg_cli), "dev", "--host", "127.0.0.1", "--port", str(port)],
            cwd=PROJECT_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so we can check all of it stops
            preexec_fn=restore_default_sigint,
        )
    try:
        wait_until_serving(url, process, log)
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            pytest.fail(f"dg dev did not stop on Ctrl-C:\n{log.read_text()[-3000:]}")
        deadline = time.monotonic() + 30
        while group_members(process.pid) and time.monotonic() < deadline:
            time.sleep(0.5)
        left = group_members(process.pid)
        if left:
            os.killpg(process.pid, signal.SIGKILL)
        assert code == 0, f"dg dev exited with {code}:\n{log.read_text()[-3000:]}"
        assert left == [], "dg dev left processes running"
        with pytest.raises(urllib.error.URLError):
            urllib.request.urlopen(f"{url}/server_info", timeout=5)


@pytest.fixture(scope="module")
def assets(webserver: str) -> dict[str, dict]:
    nodes = graphql(webserver, ASSETS_QUERY)["assetNodes"]
    return {"/".join(node["assetKey"]["path"]): node for node in nodes}


@pytest.mark.slow
def test_job_schedule_and_sensor_are_served(webserver: str):
    (repository,) = graphql(webserver, REPOSITORY_QUERY)["repositoriesOrError"]["nodes"]
    assert "funnel_job" in {job["name"] for job in repository["jobs"]}
    assert {"name": "funnel_daily", "cronSchedule": "0 5 * * *"} in repository["schedules"]
    assert "landing_file_sensor" in {sensor["name"] for sensor in repository["sensors"]}


@pytest.mark.slow
def test_assets_are_grouped_described_and_owned(assets: dict[str, dict]):
    assert {node["groupName"] for node in assets.values()} >= EXPECTED_GROUPS
    for key in (SERVING_MARTS_KEY, DOCS_SITE_KEY, FUNNEL_REPORT_KEY):
        assert key.to_user_string() in assets
    assert assets["marts/fct_customer_journey"]["groupName"] == "marts"
    assert assets["raw/marketing_events"]["groupName"] == "raw"
    undescribed = [key for key, node in assets.items() if not (node["description"] or "").strip()]
    unowned = [key for key, node in assets.items() if not node["owners"]]
    kindless = [key for key, node in assets.items() if not node["kinds"]]
    assert (undescribed, unowned, kindless) == ([], [], [])


@pytest.mark.slow
def test_checks_are_served(assets: dict[str, dict]):
    def checks(key: str) -> set[str]:
        return {check["name"] for check in assets[key]["assetChecksOrError"]["checks"]}

    assert {ROW_COUNTS_CHECK, STORAGE_CHECK} <= checks(SERVING_MARTS_KEY.to_user_string())
    assert "unique_fct_customer_journey_event_id" in checks("marts/fct_customer_journey")
    assert sum(len(checks(key)) for key in assets) > 50


@pytest.mark.slow
def test_marts_warn_when_stale(assets: dict[str, dict]):
    marts = [node for node in assets.values() if node["groupName"] == "marts"]
    assert marts
    for node in [*marts, assets[SERVING_MARTS_KEY.to_user_string()]]:
        policy = node["internalFreshnessPolicy"]
        assert policy and 0 < policy["warnWindowSeconds"] < policy["failWindowSeconds"], node
