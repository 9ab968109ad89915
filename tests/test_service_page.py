"""The planner's web page in a real browser: `replan serve` in a process of its own, driven by
headless Chromium through Playwright.

The demo plant is uploaded, planned and released through the API; then the page is loaded,
the rush order of ``scenarios/rush-order.yaml`` typed into the change form, the verdict card
awaited and the proposal accepted; the released plan must change (a higher plan id, the rush
order on the chart) and the decision show in the history. A second test starts from an empty
store: upload through the form, plan from the page, ask a cancel and reject it. No console
error, console warning or page error is allowed on the way. Screenshots go to
``build/screenshots/page-*.png`` for people to look at.

Needs Debian's ``chromium`` and the ``playwright`` Python package (the test extra; its own
browser download is never used). Without them the test is skipped, except under CI (``CI``
set), where a missing browser is a failure, as for the HTML report's browser tests.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from solver.whatif.outcome import ACCEPT, ACCEPT_AS_ASKED, ACCEPT_WITH_DATE, IMPACT, REJECT
from tests.report.test_html import chromium

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "build" / "screenshots"
RUSH = ROOT / "scenarios" / "rush-order.yaml"
VERDICTS = {ACCEPT, ACCEPT_AS_ASKED, ACCEPT_WITH_DATE, IMPACT, REJECT}
SOLVE = {"time_limit": 2, "workers": 2, "deterministic": True}
SECONDS = "2"  # the form's seconds per solve: a small what-if
WAIT_MS = 90_000  # the longest a browser wait may take (a what-if on 2 busy cores)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_job(client: httpx.Client, job: dict, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/jobs/{job['id']}").json()
        if job["state"] not in ("queued", "running"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job['id']} still {job['state']} after {timeout} s")


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """`replan serve` on a free port over a new SQLite store in ``folder``: its address."""
    port = free_port()
    command = [sys.executable, "-m", "solver.cli", "serve", "--store", str(folder / "s.db")]
    # One solve at a time: each gets both cores (the default workers share them among solves).
    command += ["--port", str(port), "--max-solves", "1"]
    log = (folder / "server.log").open("w")
    process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            _wait_up(client, process, folder / "server.log")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server with the demo plant planned and released through the API."""
    with serve(tmp_path_factory.mktemp("page")) as url, httpx.Client(base_url=url) as client:
        files = {n: (ROOT / "models" / n).read_text() for n in ("demo.yaml", "demo-orders.csv")}
        plant = client.post("/plants", json={"files": files})
        assert plant.status_code == 201, plant.text
        job = client.post(f"/plants/{plant.json()['id']}/plans", json={**SOLVE, "release": True})
        assert job.status_code == 202, job.text
        done = wait_job(client, job.json())
        assert done["state"] == "done" and done["result"]["released"], done
        yield url


def _wait_up(client: httpx.Client, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the server ended:\n{log.read_text()}"
        try:
            if client.get("/health").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"the server did not answer in 30 s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (Debian's), driven by Playwright."""
    executable = chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("playwright is missing: pip install -e '.[test]' installs it")
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        chrome = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            yield chrome
        finally:
            chrome.close()


def open_page(browser, url: str):
    """A page (1400 px wide) on ``url`` once its script is ready; console warnings, console
    errors and page errors are collected in ``problems``."""
    tab = browser.new_page(viewport={"width": 1400, "height": 1000})
    tab.problems = []
    tab.on("console", lambda m: _console(tab, m))
    tab.on("pageerror", lambda e: tab.problems.append(f"page error: {e}"))
    tab.set_default_timeout(WAIT_MS)
    tab.goto(url)
    tab.wait_for_selector("body[data-ready='1']")
    return tab


def _console(tab, message) -> None:
    if message.type in ("error", "warning"):
        tab.problems.append(f"console {message.type}: {message.text}")


def rush_order() -> tuple[dict, str, str]:
    """The change as asked of ``scenarios/rush-order.yaml``, its ``now`` and frozen window,
    as strings (what a planner types)."""
    scenario = yaml.load(RUSH.read_text(), Loader=yaml.BaseLoader)
    return scenario["changes"][0], scenario["now"], scenario["settings"]["frozen"]


def shot(tab, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / name), full_page=True)


def chart_orders(tab, chart: str) -> set[str]:
    """The orders of the bars plotly drew in a chart."""
    script = "id => document.getElementById(id).data.flatMap(t => t.customdata || [])"
    return set(tab.evaluate(script, chart))


def test_the_page_asks_the_rush_order_accepts_it_and_the_released_plan_changes(browser, server):
    tab = open_page(browser, server)
    plan = tab.locator("#plan")
    plan.wait_for(state="visible")
    assert tab.locator("#plant option:checked").inner_text().endswith("Demo electronics assembly")
    first = int(plan.get_attribute("data-plan-id"))
    assert tab.locator("#plan-cards .card").count() >= 5
    assert tab.locator("#plan-gantt .point").count() > 0, "no bar drawn"
    legend = tab.locator("#plan-legend").inner_text()
    assert "late order" in legend and "off-shift" in legend and "now" in legend
    change, now, frozen = rush_order()
    assert change["id"] not in chart_orders(tab, "plan-gantt")
    shot(tab, "page-plan.png")

    tab.select_option("#kind", "add_order")
    tab.fill("#add-id", change["id"])
    tab.select_option("#add-customer", change["customer"])
    tab.select_option("#add-product", change["product"])
    tab.fill("#add-quantity", change["quantity"])
    tab.fill("#add-due", change["due"])
    tab.fill("#add-price", change["price"])
    tab.fill("#change-now", now)
    tab.fill("#change-frozen", frozen)
    tab.fill("#change-seconds", SECONDS)
    tab.click("#change-submit")

    card = tab.locator("#verdict-card[data-verdict]")
    card.wait_for(state="visible")
    verdict = card.get_attribute("data-verdict")
    evaluation = card.get_attribute("data-evaluation")
    assert verdict in VERDICTS
    assert verdict in card.inner_text() and change["id"] in card.inner_text()
    tab.locator("#proposal-gantt .point").first.wait_for()
    assert change["id"] in chart_orders(tab, "proposal-gantt")
    assert f"changed order ({change['id']})" in tab.locator("#proposal-legend").inner_text()
    shot(tab, "page-verdict.png")
    tab.locator("#verdict").screenshot(path=str(SHOTS / "page-verdict-card.png"))

    tab.fill("#decide-by", "ann")
    tab.fill("#decide-note", "Acme is tier A")
    tab.click("#decide-accept")
    tab.wait_for_function(
        "first => Number(document.getElementById('plan').dataset.planId) > first", arg=first
    )
    assert change["id"] in chart_orders(tab, "plan-gantt")
    # The history reloads after the plan: the decision's row, once there, names the what-if.
    row = tab.locator("#history-table tbody tr").filter(has_text="accepted").first
    row.wait_for()
    cells = row.locator("td").all_inner_texts()
    assert cells[1] == "accepted" and cells[3].startswith(f"what-if {evaluation} ")
    assert cells[4] == "ann"
    shot(tab, "page-accepted.png")
    assert tab.problems == []


def test_an_empty_store_offers_the_upload_then_planning_a_cancel_and_its_rejection(
    browser, tmp_path
):
    with serve(tmp_path) as url:
        tab = open_page(browser, url)
        tab.locator("#upload").wait_for(state="visible")
        assert tab.locator("#desk").is_hidden()
        files = [ROOT / "models/demo.yaml", ROOT / "models/demo-orders.csv"]
        tab.set_input_files("#upload-files", files)
        tab.click("#upload-form button[type=submit]")
        tab.locator("#no-plan").wait_for(state="visible")
        assert "Demo electronics assembly" in tab.locator("#plant option:checked").inner_text()
        assert "Stored plant 1" in tab.locator("#status").inner_text()
        # The change form offers the plant's ids.
        assert "CTRL-100" in tab.locator("#add-product option").all_inner_texts()
        tab.fill("#plan-seconds", "1")
        tab.click("#plan-form button[type=submit]")
        tab.locator("#plan[data-plan-id]").wait_for(state="visible")
        released = tab.locator("#plan").get_attribute("data-plan-id")
        assert tab.locator("#plan-gantt .point").count() > 0
        assert "released" in tab.locator("#history-table").inner_text()
        shot(tab, "page-upload-planned.png")

        tab.select_option("#kind", "cancel_order")
        assert tab.locator("#add-id").is_hidden() and tab.locator("#change-order").is_visible()
        order = tab.locator("#change-order option").last.get_attribute("value")
        tab.select_option("#change-order", order)
        tab.fill("#change-seconds", "1")
        tab.click("#change-submit")
        card = tab.locator("#verdict-card[data-verdict]")
        card.wait_for(state="visible")
        assert card.get_attribute("data-verdict") in VERDICTS
        evaluation = card.get_attribute("data-evaluation")
        tab.fill("#decide-by", "bob")
        tab.fill("#decide-note", "not this week")
        tab.click("#decide-reject")
        row = tab.locator("#history-table tbody tr").filter(has_text="rejected").first
        row.wait_for()
        cells = row.locator("td").all_inner_texts()
        assert cells[3] == f"what-if {evaluation}" and cells[4:] == ["bob", "not this week"]
        assert tab.locator("#decide-accept").is_disabled()
        assert tab.locator("#plan").get_attribute("data-plan-id") == released
        assert tab.problems == []
