"""Net change: yesterday's released plan against today's plant files (issue 12, item 3).

Yesterday is the demo as bundled; today is a copy of its folder one day later with one order
added (SO-1041), one cancelled (SO-1009), one quantity changed (SO-1024), and SO-1001's work in
progress moved from ``aoi`` to ``assemble`` (a finished step reported).
"""

from __future__ import annotations

import copy
import dataclasses
import shutil
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from pydantic import TypeAdapter

from solver.changes.apply import Change, apply_changes
from solver.changes.net_change import net_change
from solver.changes.scenario import ScenarioFile
from solver.domain.errors import DataError
from solver.domain.plant import Downtime, Plant
from solver.facts.checker import check_plan
from solver.facts.stability import Reference
from solver.input.loading import load_plant, load_plant_data
from solver.solve.dispatch import best_dispatch, dispatch
from solver.solve.replanning import insertion, minimal_change

MODELS = Path(__file__).resolve().parent.parent / "models"
YESTERDAY_WIP = "{order: SO-1001, step: aoi, resource: AOI, start: 2026-11-23T06:30}"
TODAY_WIP = "{order: SO-1001, step: assemble, resource: HAND, start: 2026-11-24T07:00}"
NEW_ORDER = "SO-1041,NORD,LED-8,200,2026-12-04,10.5,,firm,EDI"


def today_folder(folder: Path, resolution: str | None = None) -> Path:
    """A copy of the demo folder with today's edits; returns its plant file."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("demo.yaml", "demo-orders.csv"):
        shutil.copy(MODELS / name, folder / name)
    plant_file = folder / "demo.yaml"
    text = plant_file.read_text()
    assert YESTERDAY_WIP in text and "start: 2026-11-23T08:00" in text
    text = text.replace("start: 2026-11-23T08:00", "start: 2026-11-24T08:00")
    text = text.replace(YESTERDAY_WIP, TODAY_WIP)
    if resolution is not None:
        text = text.replace("resolution: 5m", f"resolution: {resolution}")
    plant_file.write_text(text)
    orders = folder / "demo-orders.csv"
    lines = orders.read_text().splitlines()
    lines = [line for line in lines if not line.startswith("SO-1009,")]
    lines = [
        line.replace("SO-1024,WEBSHOP,LED-8,400,", "SO-1024,WEBSHOP,LED-8,450,") for line in lines
    ]
    orders.write_text("\n".join([*lines, NEW_ORDER]) + "\n")
    return plant_file


@pytest.fixture(scope="module")
def yesterday() -> Plant:
    return load_plant(MODELS / "demo.yaml")


@pytest.fixture(scope="module")
def released(yesterday):
    plan = dispatch(yesterday)
    assert plan.status == "DISPATCH" and not check_plan(yesterday, plan)
    return plan


@pytest.fixture(scope="module")
def today(tmp_path_factory) -> Plant:
    return load_plant(today_folder(tmp_path_factory.mktemp("today")))


@pytest.fixture(scope="module")
def nc(yesterday, released, today):
    return net_change(yesterday, released, today)


def test_derives_exactly_the_three_order_changes(nc):
    assert [(c.kind, getattr(c, "id", None) or c.order) for c in nc.changes] == [
        ("add_order", "SO-1041"),
        ("cancel_order", "SO-1009"),
        ("change_quantity", "SO-1024"),
    ]
    assert nc.entries == [
        {
            "kind": "add_order",
            "id": "SO-1041",
            "customer": "NORD",
            "product": "LED-8",
            "quantity": 200,
            "due": "2026-12-04",
            "price": 10.5,
            "channel": "EDI",
        },
        {"kind": "cancel_order", "order": "SO-1009"},
        {"kind": "change_quantity", "order": "SO-1024", "quantity": 450},
    ]
    assert nc.changed[:2] == ["SO-1041", "SO-1024"]
    assert nc.cancelled == ["SO-1009"] and nc.delivered == []
    assert set(nc.displaced) == set(nc.changed[2:])
    assert not any("price" in note or "status" in note for note in nc.notes)


def test_the_change_set_takes_the_released_book_to_todays(yesterday, today, nc):
    now = yesterday.grid.floor(today.grid.start)
    book = apply_changes(yesterday, nc.changes, now).plant.orders
    assert book.keys() == today.orders.keys()
    for oid, order in today.orders.items():
        before = book[oid]
        assert (before.product, before.quantity, before.price, before.customer) == (
            order.product,
            order.quantity,
            order.price,
            order.customer,
        )
        assert yesterday.grid.to_datetime(before.due) == today.grid.to_datetime(order.due)


def test_yaml_form_pastes_into_a_scenario(nc):
    adapter = TypeAdapter(Change)
    assert [adapter.validate_python(entry) for entry in nc.entries] == nc.changes
    scenario = ScenarioFile.model_validate(yaml.safe_load(nc.to_yaml(model="../models/demo.yaml")))
    assert scenario.changes == nc.changes
    assert scenario.now == datetime(2026, 11, 24, 8, 0)
    assert yaml.safe_load(nc.to_yaml())["changes"] == nc.entries


def test_finished_step_noted_and_dropped_and_wip_pinned(today, nc):
    steps = {(s.order, s.step_index): s for s in nc.baseline.steps}
    assert ("SO-1001", 1) not in steps  # aoi: finished, reported by the WIP at assemble
    assert "SO-1001 step aoi finished (today's files report step assemble in progress)" in nc.notes
    assert "WIP reported for SO-1001 step assemble on HAND since 2026-11-24 07:00" in nc.notes
    wip = steps[("SO-1001", 2)]
    assert wip.pinned and wip.resource == "HAND" and wip.step == "assemble"
    assert wip.start == today.grid.floor(datetime(2026, 11, 24, 7, 0)) == -12
    pinned = {(s.order, s.step_index) for s in nc.baseline.steps if s.pinned}
    assert pinned == set(today.pins)


def test_baseline_refers_to_todays_plant_only(today, nc):
    baseline = nc.baseline
    assert (baseline.start, baseline.resolution) == (today.grid.start, today.grid.resolution)
    for s in baseline.steps:
        routing = today.products[today.orders[s.order].product].routing
        assert routing[s.step_index].id == s.step
        assert s.resource in {o.resource for o in routing[s.step_index].options}
    named = {s.order for s in baseline.steps} | {o.order for o in baseline.outcomes}
    assert named <= set(today.orders)
    assert "SO-1009" not in named  # cancelled
    assert "SO-1041" not in named  # added: no steps, no outcome
    assert not [v for v in check_plan(today, baseline) if v.kind == "unknown"]


def test_ticks_shifted_by_exactly_one_day(yesterday, released, today, nc):
    assert nc.shift == today.grid.ticks_per_day == 288
    before = {(s.order, s.step_index): s for s in released.steps}
    moved = [s for s in nc.baseline.steps if not s.pinned]
    assert len(moved) > 100
    for s in moved:
        old = before[(s.order, s.step_index)]
        assert (s.start, s.end, s.resource) == (old.start - 288, old.end - 288, old.resource)
        assert today.grid.to_datetime(s.start) == yesterday.grid.to_datetime(old.start)
    for outcome in nc.baseline.outcomes:
        due = today.orders[outcome.order].due
        assert outcome.due == due
        assert outcome.tardiness == max(0, outcome.completion - due)


def test_held_orders_keep_todays_rules(today, nc):
    """Everything not in ``changed`` is valid on today's plant as it stands: inserting the
    changed orders around it gives a plan the checker passes, the held steps untouched."""
    held = [s for s in nc.baseline.steps if s.order not in nc.changed]
    assert held
    completed = insertion(today, nc.baseline, nc.changed)
    assert check_plan(today, completed) == []
    placed = {(s.order, s.step_index): s for s in completed.steps}
    assert all(placed[(s.order, s.step_index)] == s for s in held)


def test_displaced_orders_are_explained(nc):
    for oid in nc.displaced:
        assert any(note.startswith(f"{oid} is re-planned: ") for note in nc.notes), oid
    # The plan had SO-1020's smt on SMT1 running at today's start; nobody reported it.
    assert "SO-1020" in nc.displaced
    assert "SO-1002" not in nc.changed  # its WIP is as reported; its next steps lie ahead


def test_now_later_than_the_start_makes_more_history(yesterday, released, today):
    nc = net_change(yesterday, released, today, now=datetime(2026, 11, 24, 10, 0))
    assert nc.now == 24
    held = [s for s in nc.baseline.steps if not s.pinned and s.order not in nc.changed]
    assert held and min(s.start for s in held) >= 24
    started = {s.order for s in released.steps if 0 <= s.start - 288 < 24}
    assert started and started <= set(nc.changed)
    assert check_plan(today, insertion(today, nc.baseline, nc.changed)) == []


def test_a_day_without_changes_derives_nothing(yesterday, released):
    same = load_plant(MODELS / "demo.yaml")
    nc = net_change(yesterday, released, same)
    assert (nc.changes, nc.changed, nc.delivered, nc.notes) == ([], [], [], [])
    assert set(nc.baseline.steps) == set(released.steps)
    assert set(nc.baseline.outcomes) == set(released.outcomes)
    assert nc.to_yaml() == "changes: []\n"


def test_an_order_finished_by_the_plan_is_delivered_not_cancelled(yesterday, released, today):
    finished = released.outcome("SO-1035")
    assert finished.completion - 288 <= 0  # the released plan made it on Monday
    book = {oid: o for oid, o in today.orders.items() if oid != "SO-1035"}
    nc = net_change(yesterday, released, today.replace(orders=book))
    assert "SO-1035" in nc.delivered and "SO-1035" not in nc.cancelled
    assert ("cancel_order", "SO-1035") not in [
        (c.kind, getattr(c, "order", "")) for c in nc.changes
    ]


def test_a_different_resolution_is_refused(yesterday, released, tmp_path):
    coarse = load_plant(today_folder(tmp_path, resolution="10m"))
    with pytest.raises(DataError) as caught:
        net_change(yesterday, released, coarse)
    (problem,) = caught.value.problems
    assert problem.field == "resolution"
    assert "5m" in problem.message and "10m" in problem.message


def test_plants_and_plan_are_not_modified(yesterday, released, today):
    before = copy.deepcopy((yesterday, released, today))
    net_change(yesterday, released, today)
    assert (yesterday, released, today) == before


def test_resources_customers_and_prices(yesterday, released):
    """Same start: capacity, new downtime and tier become change records; a price a note."""
    resources = dict(yesterday.resources)
    aoi = resources["AOI"]
    down = Downtime(yesterday.grid.floor(datetime(2026, 11, 25, 6)), 2 * 288, None, "camera")
    resources["AOI"] = dataclasses.replace(aoi, downtime=(*aoi.downtime, down))
    resources["HAND"] = dataclasses.replace(resources["HAND"], capacity=3)
    customers = dict(yesterday.customers)
    customers["SMALL"] = dataclasses.replace(customers["SMALL"], tier="B")
    orders = dict(yesterday.orders)
    orders["SO-1003"] = dataclasses.replace(orders["SO-1003"], price=15.0)
    today = yesterday.replace(resources=resources, customers=customers, orders=orders)
    nc = net_change(yesterday, released, today)
    assert nc.entries == [
        {"kind": "change_tier", "customer": "SMALL", "tier": "B"},
        {
            "kind": "resource_down",
            "resource": "AOI",
            "from": "2026-11-25T06:00",
            "to": "2026-11-25T08:00",
            "reason": "camera",
        },
        {"kind": "resource_capacity", "resource": "HAND", "capacity": 3},
    ]
    assert "SO-1003: price now 15.0 (was 14.34)" in nc.notes
    assert "SO-1003" not in nc.changed
    hit = {s.order for s in released.steps if s.resource == "AOI" and s.end > down.start}
    hit &= {s.order for s in released.steps if s.resource == "AOI" and s.start < down.end}
    assert hit and hit <= set(nc.displaced)
    completed = insertion(today, nc.baseline, nc.changed)
    assert check_plan(today, completed) == []


def test_stock_and_receipts_are_notes_and_supplies_follow_them():
    """The stocked plant a day later: less MCU on hand, a receipt late, a new receipt."""
    yesterday = load_plant(MODELS / "stocked.yaml")
    released = best_dispatch(yesterday)
    raw = yaml.safe_load((MODELS / "stocked.yaml").read_text())
    raw["plant"]["start"] = "2026-11-24T08:00"
    materials = {m["id"]: m for m in raw["materials"]}
    materials["MCU"]["stock"] = 900
    materials["MCU"]["receipts"].append(
        {"id": "PO-NEW", "quantity": 3000, "arrival": "2026-11-26", "supplier": "CHEAPFAB"}
    )
    materials["MAGNETICS"]["receipts"][0]["arrival"] = "2026-12-03"
    today = load_plant_data(raw, MODELS / "stocked.yaml", MODELS)
    nc = net_change(yesterday, released, today)
    assert nc.changes == []
    assert "stock of MCU now 900 (was 1950)" in nc.notes
    assert "new receipt PO-NEW: 3000 MCU from CHEAPFAB arriving 2026-11-26 00:00" in nc.notes
    assert (
        "receipt PO-MAGNETICS of MAGNETICS arrives now 2026-12-03 00:00 (was 2026-12-02 00:00)"
        in nc.notes
    )
    held = set(today.orders) - set(nc.changed)
    assert held
    # Purchases the plan placed yesterday from CHEAPFAB's MCU are taken as the new receipt.
    assert any(
        s.material == "MCU" and s.source == "stock" and s.order in held
        for s in nc.baseline.supplies
    )
    alone = today.replace(
        orders={oid: today.orders[oid] for oid in held},
        pins={key: pin for key, pin in today.pins.items() if key[0] in held},
    )
    kept = dataclasses.replace(
        nc.baseline,
        steps=tuple(s for s in nc.baseline.steps if s.order in held),
        outcomes=tuple(o for o in nc.baseline.outcomes if o.order in held),
        supplies=tuple(s for s in nc.baseline.supplies if s.order in held),
    )
    assert check_plan(alone, kept) == []
    assert {s.order for s in nc.baseline.supplies} <= held


def test_minimal_change_from_the_baseline_passes_the_checker(today, nc):
    budgeted = today.with_settings(time_limit=1, workers=2, seed=0, deterministic=True)
    reference = Reference(nc.baseline, frozenset(nc.changed))
    plan = minimal_change(budgeted, nc.baseline, reference, nc.changed)
    assert check_plan(today, plan) == []
    assert plan.outcome("SO-1041").accepted and plan.outcome("SO-1009") is None
    wip = next(s for s in plan.steps if (s.order, s.step_index) == ("SO-1001", 2))
    assert (wip.resource, wip.start, wip.pinned) == ("HAND", -12, True)
