"""The web page's endpoints: the page and its files (``pages``), and a plan as the page draws
it (``GET /plans/{ref}/gantt``, ``service.gantt``), and ``GET /released``.

One tiny solve (the demo, 2 s) serves every endpoint test; the rules of the view (classes,
moved steps, changed orders) are checked on hand-made values.
"""

from __future__ import annotations

import dataclasses
import re
import time
import warnings
from pathlib import Path

import pytest
import yaml

from solver.domain.plan import OrderOutcome, Plan, ScheduledStep
from solver.facts.checker import check_plan
from solver.facts.kpis import with_objective
from solver.facts.stability import moved_steps
from solver.service.app import create_app
from solver.service.gantt import changed_orders, gantt_view, priority_class
from solver.service.settings import ServiceSettings

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2 behind FastAPI's test client; httpx works the same.
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    from fastapi.testclient import TestClient

from tests.conftest import base_model, weekday_calendar

ROOT = Path(__file__).resolve().parent.parent
DEMO = {n: (ROOT / "models" / n).read_text() for n in ("demo.yaml", "demo-orders.csv")}
TINY = {"time_limit": 2, "workers": 2, "deterministic": True}
WHATIF = {"time_limit": 2, "workers": 2, "whatif_time_limit": 1}
STATIC = ROOT / "solver" / "service" / "static"


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """The demo uploaded, planned and released once."""
    app = create_app(tmp_path_factory.mktemp("gantt") / "store.db", ServiceSettings(max_solves=1))
    with TestClient(app) as client:
        plant = client.post("/plants", json={"files": DEMO}).json()
        job = client.post(f"/plants/{plant['id']}/plans", json={**TINY, "release": True}).json()
        job = wait(client, job)
        assert job["state"] == "done", job
        yield client


def wait(client: TestClient, job: dict) -> dict:
    deadline = time.monotonic() + 90
    while job["state"] in ("queued", "running"):
        assert time.monotonic() < deadline, "the job did not end"
        time.sleep(0.2)
        job = client.get(f"/jobs/{job['id']}").json()
    return job


@pytest.fixture(scope="module")
def asked(desk) -> dict:
    """The rush order of ``scenarios/rush-order.yaml`` asked of the released demo plan."""
    scenario = yaml.safe_load((ROOT / "scenarios/rush-order.yaml").read_text())
    body = {
        "now": str(scenario["now"]),
        "changes": [{**scenario["changes"][0], "due": str(scenario["changes"][0]["due"])}],
        "settings": scenario["settings"],
        **WHATIF,
    }
    job = desk.post("/whatifs", json=body)
    assert job.status_code == 202, job.text
    done = wait(desk, job.json())
    assert done["state"] == "done", done
    return {"id": done["result"]["evaluation_id"], "order": scenario["changes"][0]["id"]}


def test_the_page_and_its_files_are_served_without_any_cdn(desk):
    page = desk.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'src="/vendor/plotly.min.js"' in page.text
    assert not re.search(r'(src|href)="(https?:)?//', page.text), "a file from elsewhere"
    for name in ("app.js", "app.css", "gantt.js"):
        assert desk.get(f"/static/{name}").status_code == 200
    plotly = desk.get("/vendor/plotly.min.js")
    assert plotly.status_code == 200 and "javascript" in plotly.headers["content-type"]
    assert "max-age" in plotly.headers["cache-control"] and len(plotly.content) > 1_000_000
    assert desk.get("/static/nothing.js").status_code == 404
    # The page is not part of the API's documentation.
    assert "/" not in desk.get("/openapi.json").json()["paths"]


def test_no_script_writes_data_as_html():
    # Data goes into the DOM as text: innerHTML and friends are never used.
    for script in STATIC.glob("*.js"):
        text = script.read_text()
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write"):
            assert sink not in text, f"{script.name} uses {sink}"


def test_the_released_plan_as_the_page_draws_it(desk):
    response = desk.get("/plans/released/gantt")
    assert response.status_code == 200, response.text
    view = response.json()
    plan = desk.get("/plans/released").json()
    assert (view["plan_id"], view["released"], view["against"]) == (plan["id"], True, None)
    assert view["resources"] == sorted(view["resources"]) and "AOI" in view["resources"]
    assert len(view["steps"]) == len(plan["plan"]["steps"])
    step = view["steps"][0]
    assert step["priority"] in ("high", "medium", "low") and step["hover"][0].startswith(
        step["order"]
    )
    assert step["start"] < step["end"] and not step["moved"] and not step["changed"]
    late = {o["order"] for o in plan["plan"]["outcomes"] if o["tardiness"] > 0}
    assert {s["order"] for s in view["steps"] if s["late"]} == late
    assert {r["order"] for r in view["late_orders"]} == late
    assert view["off_shift"] and all(w["start"] < w["end"] for w in view["off_shift"])
    # The demo's SMT2 has a planned downtime: red, and never also counted as off-shift.
    down = [(w["resource"], w["start"]) for w in view["downtime"]]
    assert down and not set(down) & {(w["resource"], w["start"]) for w in view["off_shift"]}
    labels = [c["label"] for c in view["cards"]]
    assert {"objective", "late orders", "on time (orders)"} <= set(labels)
    assert view["now"] == view["start"]  # a plan asked of no moment starts at the plant's start


def test_released_names_the_plan_or_nothing_without_a_404(desk, tmp_path):
    plan = desk.get("/plans/released").json()
    assert desk.get("/released").json() == {"plan_id": plan["id"], "plant_id": plan["plant_id"]}
    with TestClient(create_app(tmp_path / "empty.db")) as empty:
        answer = empty.get("/released")
        assert answer.status_code == 200
        assert answer.json() == {"plan_id": None, "plant_id": None}


def test_against_itself_nothing_moved_and_unknown_plans_are_404(desk):
    view = desk.get("/plans/released/gantt", params={"against": "released"}).json()
    assert view["against"] == view["plan_id"] and not any(s["moved"] for s in view["steps"])
    assert desk.get("/plans/99/gantt").status_code == 404
    assert desk.get("/plans/released/gantt", params={"against": "99"}).status_code == 404


def test_a_proposal_is_drawn_against_the_baseline_it_was_judged_on(desk, asked):
    response = desk.get(f"/whatifs/{asked['id']}/gantt")
    assert response.status_code == 200, response.text
    view = response.json()
    detail = desk.get(f"/whatifs/{asked['id']}").json()
    assert view["plan_id"] == next(iter(detail["proposals"].values()))
    assert view["changed"] == [asked["order"]]
    marked = {s["order"] for s in view["steps"] if s["changed"]}
    assert marked == {asked["order"]}
    # The new order's steps are new: moved against any baseline.
    assert all(s["moved"] for s in view["steps"] if s["changed"])
    assert f"what-if {asked['id']}" in view["compared_with"]
    variant = desk.get(f"/whatifs/{asked['id']}/gantt", params={"variant": "nope"})
    assert variant.status_code == 404 and "as asked" in variant.json()["detail"]
    assert desk.get("/whatifs/99/gantt").status_code == 404


def test_moved_steps_are_those_started_elsewhere_or_later_or_new(desk):
    store = desk.app.state.store
    plan = store.plan_of(store.plan_row("released"))
    first, second = plan.steps[0], plan.steps[1]
    shifted = dataclasses.replace(first, start=first.start + 1, end=first.end + 1)
    other = dataclasses.replace(plan, steps=(shifted, *plan.steps[2:]))
    assert moved_steps(plan, other) == {(first.order, first.step_index)}
    assert moved_steps(other, plan) == {
        (first.order, first.step_index),
        (second.order, second.step_index),
    }
    assert moved_steps(plan, plan) == set()


def test_changed_orders_and_priority_classes():
    changes = [
        {"kind": "add_order", "id": "RUSH"},
        {"kind": "change_due", "order": "SO-1"},
        {"kind": "cancel_order", "order": "RUSH"},
        {"kind": "resource_down", "resource": "AOI"},
    ]
    assert changed_orders(changes) == ["RUSH", "SO-1"]
    # A proposal carries the released plan's changes: only its own are news.
    assert changed_orders(changes, carried=changes[:1]) == ["SO-1", "RUSH"]
    assert changed_orders(changes[:1], carried=changes[:1]) == []
    assert [priority_class(w) for w in (10, 8, 7, 4, 3, 1)] == [
        "high",
        "high",
        "medium",
        "medium",
        "low",
        "low",
    ]


def test_a_paused_step_is_one_bar_per_stretch_and_changeovers_are_bars(make_plant):
    """M1 works 08:00-16:00 on weekdays: O1's 10 hours from Monday 08:00 are [480, 960) and
    [1920, 2040) (Tuesday until 10:00). On M2 (24/7, a -> b 30m) O2 (a) [0, 60) and O3 (b)
    [90, 150) have the changeover [60, 90) between them."""
    model = base_model()
    model["calendars"] = [weekday_calendar()]
    model["resources"][0]["calendar"] = "day"
    model["products"][0]["routing"][0]["resources"][0]["setup"] = "10h"
    model["products"] += [
        {
            "id": f"Q{f}",
            "family": f,
            "unit_cost": 1.0,
            "routing": [{"id": "q", "resources": [{"resource": "M2", "setup": "60m"}]}],
        }
        for f in ("a", "b")
    ]
    model["orders"][0]["due"] = "2026-11-25T00:00"
    model["orders"] += [
        dict(model["orders"][0], id="O2", product="Qa"),
        dict(model["orders"][0], id="O3", product="Qb"),
    ]
    model["changeovers"] = [{"resource": "M2", "matrix": {"a": {"b": "30m"}}}]
    plant = make_plant(model)
    plan = with_objective(
        plant,
        hand_plan(plant, {"O1": ("M1", 480, 2040), "O2": ("M2", 0, 60), "O3": ("M2", 90, 150)}),
    )
    assert check_plan(plant, plan) == []
    view = gantt_view(plant, plan)
    o1 = [(s["start"], s["end"], s.get("part")) for s in view["steps"] if s["order"] == "O1"]
    assert o1 == [
        ("2026-11-23T08:00:00", "2026-11-23T16:00:00", [1, 2]),
        ("2026-11-24T08:00:00", "2026-11-24T10:00:00", [2, 2]),
    ]
    assert [s.get("part") for s in view["steps"] if s["order"] != "O1"] == [None, None]
    (changeover,) = view["changeovers"]
    assert (changeover["resource"], changeover["start"], changeover["end"]) == (
        "M2",
        "2026-11-23T01:00:00",
        "2026-11-23T01:30:00",
    )
    assert changeover["hover"][0] == "changeover a -> b on M2"


def hand_plan(plant, places: dict[str, tuple[str, int, int]]) -> Plan:
    """A one-step-per-order plan with each order at (resource, start, end)."""
    steps = tuple(
        ScheduledStep(oid, 0, plant.products[plant.orders[oid].product].routing[0].id, r, a, b)
        for oid, (r, a, b) in places.items()
    )
    outcomes = tuple(
        OrderOutcome(oid, True, b, plant.orders[oid].due, max(0, b - plant.orders[oid].due))
        for oid, (_, _, b) in places.items()
    )
    return Plan(
        plant=plant.name,
        start=plant.grid.start,
        resolution=plant.grid.resolution,
        status="HAND",
        steps=steps,
        outcomes=outcomes,
    )
