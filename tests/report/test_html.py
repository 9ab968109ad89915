"""The HTML report in a real browser: it loads without script errors and draws every bar.

Needs Chromium (Debian's ``chromium``; ``.ci/run`` installs it). Without it the tests are
skipped, except under CI (``CI`` set), where a missing browser is a failure. Screenshots are
saved in ``build/screenshots/`` for people to look at.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from solver.changes.scenario import load_scenario
from solver.report.html import plan_page, whatif_page, write_page
from solver.report.html_why_late import GANTT_DIV
from solver.rules.ranking import rank_orders
from solver.whatif.evaluate import evaluate
from tests.conftest import ROOT, solve_checked, write_model
from tests.cpsat.test_materials import supply_model
from tests.test_explain import T0, hand_plan, model_with
from tests.test_whatif import baseline_file, plant_model, rush, tiered_model

SHOTS = ROOT / "build" / "screenshots"


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: .ci/run should have installed it")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return found


def render(page: Path, shot: str) -> str:
    """The DOM after scripts ran, and a screenshot of the page (one browser run does both)."""
    browser = chromium()
    flags = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    flags += ["--virtual-time-budget=15000", "--window-size=1400,1800"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    screenshot = SHOTS / shot
    screenshot.unlink(missing_ok=True)
    url = page.resolve().as_uri()
    dom = subprocess.run(
        [*flags, f"--screenshot={screenshot}", "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert screenshot.stat().st_size > 0, "the browser saved no screenshot"
    return dom


def assert_loaded(dom: str) -> None:
    assert 'data-ready="1"' in dom, "the page did not finish loading"
    errors = re.findall(r'data-error="([^"]*)"', dom)
    assert errors == [], f"script errors: {errors}"


def bars(dom: str) -> int:
    """Bars drawn; a key entry's empty bar (``gantt._key``) is drawn as a point at 0,0."""
    return dom.count('<g class="point">') - dom.count('<g class="point"><path d="M0,0Z"')


class _Reader(HTMLParser):
    """The page as a reader sees it: the visible text, and each table under its heading."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tables: dict[str, list[list[str]]] = {}
        self.heading = ""
        self.skip = 0  # inside <script>, <style> or <svg>
        self.in_heading = False
        self.rows: list[list[str]] | None = None
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "svg"):
            self.skip += 1
        elif tag in ("h1", "h2", "h3"):
            self.in_heading, self.heading = True, ""
        elif tag == "table":
            self.rows = []
        elif tag == "tr" and self.rows is not None:
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = []
        elif tag == "br" and self.cell is not None:
            self.cell.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "svg"):
            self.skip -= 1
        elif tag in ("h1", "h2", "h3"):
            self.in_heading = False
        elif tag == "table" and self.rows is not None:
            self.tables[self.heading] = self.rows
            self.rows = None
        elif tag in ("td", "th") and self.cell is not None and self.rows:
            self.rows[-1].append("".join(self.cell).strip())
            self.cell = None
        elif tag in ("p", "div", "tr", "br"):
            self.text.append("\n")

    def handle_data(self, data):
        if self.skip:
            return
        self.text.append(data)
        if self.in_heading:
            self.heading += data
        if self.cell is not None:
            self.cell.append(data)


def read(dom: str) -> _Reader:
    reader = _Reader()
    reader.feed(dom)
    return reader


def table(reader: _Reader, heading: str) -> list[list[str]]:
    """The table under the heading that starts with ``heading``."""
    (rows,) = [rows for h, rows in reader.tables.items() if h.startswith(heading)]
    return rows


def whatif_dom(tmp_path, model: dict, base: Path, changes: list, shot: str, **extra):
    write_model(tmp_path, model)
    scenario = tmp_path / "scenario.yaml"
    data = {"model": "plant.yaml", "baseline": str(base), "changes": changes, **extra}
    scenario.write_text(yaml.safe_dump(data))
    evaluation = evaluate(load_scenario(scenario))
    page = tmp_path / "whatif.html"
    write_page(page, whatif_page(evaluation))
    dom = render(page, shot)
    assert_loaded(dom)
    return evaluation, dom


def test_plan_page_draws_a_bar_per_step_and_per_order(make_plant, tmp_path):
    model = supply_model(expedite_per_shipment=100)
    plant = make_plant(model)
    plan = solve_checked(plant)
    page = tmp_path / "plan.html"
    write_page(page, plan_page(plant, plan))
    dom = render(page, "plan.png")
    assert_loaded(dom)
    made = sum(1 for o in plan.outcomes if o.accepted and not o.from_stock)
    assert bars(dom) == len(plan.steps) + made
    assert "Purchases and expedites" in dom and "air" in dom


def queue(make_plant):
    """O (tier A), then A and B (tier C), one hour each on M1 from 00:00, all due at 01:00:
    A is an hour late behind O, B two hours behind O and A."""
    due = {"due": T0 + "01:00"}
    plant = make_plant(
        model_with({"O": due, "A": {**due, "customer": "D"}, "B": {**due, "customer": "D"}})
    )
    plan = hand_plan(plant, {"O": [("M1", 0, 60)], "A": [("M1", 60, 120)], "B": [("M1", 120, 180)]})
    return plant, plan


def test_plan_page_explains_the_late_orders_by_priority(make_plant):
    plant, plan = queue(make_plant)
    page = plan_page(plant, plan)
    reader = read(page)
    ranked = [r.order for r in rank_orders(plant) if r.order in ("A", "B")]
    binding = {
        "A": "s1 on M1 waits 1h: resource, busy with O (C)",
        "B": "s1 on M1 waits 2h: resource, busy with O (C), A (D)",
    }
    late = {"A": "1h", "B": "2h"}
    assert table(reader, "Why late (2, highest priority first)") == [
        ["order", "customer (tier)", "late by", "binding"],
        *([order, "D (C)", late[order], binding[order]] for order in ranked),
    ]
    assert table(reader, "Critical chain of B") == [
        ["step", "resource", "ready", "start", "end", "wait", "cause", "slack"],
        [
            "s1",
            "M1",
            "Mon 23 Nov 00:00",
            "Mon 23 Nov 02:00",
            "Mon 23 Nov 03:00",
            "2h",
            "resource: busy with O (C), A (D)",
            "0m",
        ],
    ]
    assert "Critical chain of O" not in page  # on time
    # The chart by resource has a known div, its bars say their order, and the script and
    # the wait shades name that div and B's wait on M1 (row 1 of M2, M1 from the top down).
    assert f'<div id="{GANTT_DIV}"' in page
    bars = [json.loads(found) for found in re.findall(r'"customdata":(\[.*?\])', page)]
    assert sorted(order for trace in bars for order in trace) == ["A", "B", "O"]
    assert f'document.getElementById("{GANTT_DIV}")' in page
    shades = json.loads(re.search(r'id="why-late-shapes">(.*?)</script>', page).group(1))
    ((shade,),) = [shades["B"]]
    assert (shade["x0"], shade["x1"], shade["y0"], shade["y1"]) == (
        "2026-11-23T00:00:00",
        "2026-11-23T02:00:00",
        0.55,
        1.45,
    )


def test_a_plan_page_with_nothing_late_has_no_why_late_section(make_plant):
    plant = make_plant(model_with({"O": {"due": T0 + "01:00"}}))
    page = plan_page(plant, hand_plan(plant, {"O": [("M1", 0, 60)]}))
    assert "Why late" not in page and "why-late-shapes" not in page


# Records console errors and failed promises in the DOM, as the page does with errors.
WATCH = """<script>
const seen = m => { document.documentElement.dataset.consoleError = String(m); };
const error = console.error;
console.error = (...args) => { seen(args.join(" ")); error(...args); };
window.addEventListener("unhandledrejection", e => seen(e.reason));
</script>"""


def test_clicking_a_late_order_shows_its_chain_on_the_gantt(make_plant, tmp_path):
    plant, plan = queue(make_plant)
    click = """<script>window.addEventListener("load", () => setTimeout(() =>
    document.querySelector('a.why-order[data-order="B"]').click(), 200));</script>"""
    page = plan_page(plant, plan).replace("<head>", "<head>" + WATCH, 1)
    path = tmp_path / "plan.html"
    write_page(path, page.replace("</body>", click + "</body>"))
    dom = render(path, "plan-why-late.png")
    assert_loaded(dom)
    assert "data-console-error" not in dom
    opened = re.findall(r'<details class="why-late-chain"[^>]*data-order="(\w+)" open', dom)
    assert opened == ["B"]
    assert f'id="{GANTT_DIV}"' in dom and 'data-selected="B"' in dom
    # O's and A's bars dimmed, B's own drawn as they were.
    assert dom.count("opacity: 0.25") == 2


def test_whatif_page_shows_the_verdict_and_both_plans(tmp_path):
    """Under ``protect: plan`` the rush asked for 01:00 gets 03:00 (see tests/test_whatif.py):
    as asked it would push O1 and O2 an hour past their planned dates, 120 EUR either way."""
    model = plant_model(O1="02:00", O2="04:00")
    base = baseline_file(tmp_path, model, {"O1": ("M1", 0, 60), "O2": ("M1", 60, 120)})
    evaluation, dom = whatif_dom(
        tmp_path, model, base, [rush("01:00")], "whatif-small.png", settings={"protect": "plan"}
    )
    assert "ACCEPT WITH DATE" in dom
    proposal = evaluation.outcomes[0].plan
    made = sum(1 for o in proposal.outcomes if o.accepted and not o.from_stock)
    # Baseline and proposal by resource, then the proposal by order.
    assert bars(dom) == len(evaluation.baseline.steps) + len(proposal.steps) + made
    page = read(dom)
    assert table(page, "Asked and offered") == [
        ["order", "asked", "offered", "slip"],
        ["R", "Mon 23 Nov 01:00", "Mon 23 Nov 03:00", "+2h"],
    ]
    header, dates, slip, harmed, cost = table(page, "Options (recommended first)")
    assert header == ["", "with date (recommended)", "as asked"]
    assert dates == ["dates", "R Mon 23 Nov 03:00", "R Mon 23 Nov 01:00"]
    assert slip == ["worst slip", "+2h", "none"]
    assert harmed[:2] == ["orders harmed", "none"]
    assert harmed[2].splitlines() == [
        "O1 (C, tier A) 1h past its protected date, 60.00 EUR",
        "O2 (C, tier A) 1h past its protected date, 60.00 EUR",
    ]
    assert cost == ["cost EUR", "120.00", "120.00"]
    text = "".join(page.text)
    assert "The change earns a margin of 99.00 EUR." in text
    (binding,) = evaluation.outcomes[0].binding
    assert f"Binds the date: {binding}" in text and "M1" in binding
    assert "Promise rule: protect plan; proven: the worst slip and the dates" in text
    assert "Accepting as asked would harm: O1 (C, tier A)" in text
    moves = table(page, "Orders that move")
    assert moves[0] == [
        "customer (tier)",
        "order",
        "baseline",
        "proposal",
        "change",
        "due",
        "status",
    ]
    # The rush is judged against the date it asked for, not the offer.
    assert [
        "C (A)",
        "R",
        "-",
        "Mon 23 Nov 03:00",
        "new",
        "Mon 23 Nov 01:00",
        "late 2h (new)",
    ] in moves


def test_whatif_page_recommends_accepting_a_tier_a_rush_as_asked(tmp_path):
    """The tier-A rush of tests/test_whatif.py: as asked O1 (tier C) is an hour late, 60 EUR;
    a date would cost the rush's hour at tier A's weight, 600 EUR."""
    model = tiered_model(rush_tier="A", other_tier="C")
    base = baseline_file(tmp_path, model, {"O1": ("M1", 0, 60)})
    changes = [rush("01:00", customer="RC")]
    evaluation, dom = whatif_dom(tmp_path, model, base, changes, "whatif-as-asked.png")
    (outcome,) = evaluation.outcomes
    assert outcome.verdict == "ACCEPT AS ASKED"
    page = read(dom)
    text = "".join(page.text)
    assert f"{outcome.name}: ACCEPT AS ASKED" in text
    assert table(page, "Asked and offered")[1] == [
        "R",
        "Mon 23 Nov 01:00",
        "Mon 23 Nov 01:00",
        "on time",
    ]
    header, dates, slip, harmed, cost = table(page, "Options (recommended first)")
    assert header == ["", "as asked (recommended)", "with date"]
    assert dates == ["dates", "R Mon 23 Nov 01:00", "R Mon 23 Nov 02:00"]
    assert slip == ["worst slip", "none", "+1h"]
    assert harmed == [
        "orders harmed",
        "O1 (K, tier C) 1h past its protected date, 60.00 EUR",
        "none",
    ]
    assert cost == ["cost EUR", "60.00", "600.00"]
    assert "Binds the date: R step s1 waits for M1" in text
    assert "Promise rule: protect due; proven: every asked date is met" in text
    assert "Accepting as asked would harm" not in text  # it is what the page recommends
    moves = table(page, "Orders that move")
    assert [
        "K (C)",
        "O1",
        "Mon 23 Nov 01:00",
        "Mon 23 Nov 02:00",
        "+1h",
        "Mon 23 Nov 01:00",
        "late 1h (new)",
    ] in moves
