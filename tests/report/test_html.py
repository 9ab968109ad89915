"""The HTML report in a real browser: it loads without script errors and draws every bar.

Needs Chromium (Debian's ``chromium``; ``.ci/run`` installs it). Without it the tests are
skipped, except under CI (``CI`` set), where a missing browser is a failure. Screenshots are
saved in ``build/screenshots/`` for people to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from solver.changes.scenario import load_scenario
from solver.report.html import plan_page, whatif_page, write_page
from solver.whatif.evaluate import evaluate
from tests.conftest import ROOT, solve_checked, write_model
from tests.cpsat.test_materials import supply_model
from tests.test_whatif import baseline_file, plant_model, rush

SHOTS = ROOT / "build" / "screenshots"


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: .ci/run should have installed it")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return found


def render(page: Path, shot: str) -> str:
    """The DOM after scripts ran, and a screenshot of the page."""
    browser = chromium()
    flags = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    flags.append("--virtual-time-budget=15000")
    url = page.resolve().as_uri()
    dom = subprocess.run(
        [*flags, "--dump-dom", url], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    SHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [*flags, "--window-size=1400,1800", f"--screenshot={SHOTS / shot}", url],
        capture_output=True,
        timeout=120,
        check=True,
    )
    return dom


def assert_loaded(dom: str) -> None:
    assert 'data-ready="1"' in dom, "the page did not finish loading"
    errors = re.findall(r'data-error="([^"]*)"', dom)
    assert errors == [], f"script errors: {errors}"


def bars(dom: str) -> int:
    return dom.count('<g class="point">')


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


def test_whatif_page_shows_the_verdict_and_both_plans(tmp_path):
    model = plant_model(O1="02:00", O2="04:00")
    base = baseline_file(tmp_path, model, {"O1": ("M1", 0, 60), "O2": ("M1", 60, 120)})
    write_model(tmp_path, model)
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(
        yaml.safe_dump({"model": "plant.yaml", "baseline": str(base), "changes": [rush("01:00")]})
    )
    evaluation = evaluate(load_scenario(scenario))
    page = tmp_path / "whatif.html"
    write_page(page, whatif_page(evaluation))
    dom = render(page, "whatif-small.png")
    assert_loaded(dom)
    assert "ACCEPT WITH DATE" in dom
    proposal = evaluation.outcomes[0].plan
    made = sum(1 for o in proposal.outcomes if o.accepted and not o.from_stock)
    # Baseline and proposal by resource, then the proposal by order.
    assert bars(dom) == len(evaluation.baseline.steps) + len(proposal.steps) + made
