"""Seed 003's targets as KPIs: planned OEE of the bottlenecks, inventory days of every item.

Each plant below has one optimal plan, so the figures can be computed by hand; the arithmetic
is written out next to each assertion. Ticks are minutes (1440 a day) from Monday 00:00.
"""

from __future__ import annotations

import io

import pytest
from pydantic import ValidationError
from rich.console import Console

from solver.domain.settings import Settings
from solver.facts.inventory import ABOVE, BELOW
from solver.facts.kpis import compute_kpis, planned_oee, utilisation
from solver.input.loading import load_plant
from solver.report.console import print_plan_summary
from solver.rules.ranking import rank_orders
from solver.solve.dispatch import dispatch
from tests.conftest import ROOT, base_model, solve_checked
from tests.cpsat.test_constraints import day_shift_model, two_orders_model

DAY = 1440


def by_item(kpis) -> dict[str, object]:
    return {(row.kind, row.item): row for row in kpis.inventory_days}


# --- planned OEE ------------------------------------------------------------------------------


def calendar_and_downtime_model() -> dict:
    """M1 works 08:00-16:00 and is down 08:00-10:00 on Monday; M2 works around the clock.

    O1: 120 units at 1 min each after a 1 h setup on M1, due 13:00, so it runs 10:00-13:00.
    O2: 900 units at 1 min each on M2 (no setup), due 15:00, so it runs 00:00-15:00.
    """
    model = day_shift_model()
    model["settings"]["bottleneck_threshold"] = 0.5
    model["resources"][0]["downtime"] = [{"from": "2026-11-23T08:00", "to": "2026-11-23T10:00"}]
    model["products"][0]["routing"][0]["resources"][0]["per_unit"] = "60s"
    model["products"].append(
        {
            "id": "Q",
            "unit_cost": 1.0,
            "routing": [{"id": "s1", "resources": [{"resource": "M2", "per_unit": "60s"}]}],
        }
    )
    order = model["orders"][0]
    model["orders"] = [
        dict(order, id="O1", quantity=120, due="2026-11-23T13:00"),
        dict(order, id="O2", product="Q", quantity=900, due="2026-11-23T15:00"),
    ]
    return model


def test_planned_oee_of_a_resource_with_a_calendar_and_downtime(make_plant):
    plant = make_plant(calendar_and_downtime_model())
    plan = solve_checked(plant)
    assert {(s.order, s.start, s.end) for s in plan.steps} == {("O1", 600, 780), ("O2", 0, 900)}
    kpis = compute_kpis(plant, plan)
    # Span: plan start to the last completion, 15:00 = 900. M1 is available 08:00-15:00 less
    # the downtime 08:00-10:00: 300 min. It runs 120 units x 1 min = 120 of them (its 60 min
    # setup is busy but not run time): OEE 120 / 300 = 0.4, utilisation 180 / 300 = 0.6.
    # M2 is available all 900 min and runs 900 units x 1 min: 1.0.
    assert kpis.utilisation["M1"] == pytest.approx(0.6)
    assert kpis.bottlenecks == ["M2", "M1"]
    assert kpis.planned_oee == pytest.approx({"M2": 1.0, "M1": 0.4})
    assert list(kpis.planned_oee) == kpis.bottlenecks
    assert kpis.oee_target == 0.8 and kpis.oee_below_target == ["M1"]


def test_planned_oee_of_a_pool_counts_each_unit_and_partial_downtime(make_plant):
    # A pool of 2 with one unit down 00:00-01:00; two orders of one unit, each a 30 min setup
    # and 30 min of run, due 01:00: one runs 00:00-01:00, the other 01:00-02:00.
    model = two_orders_model(capacity=2)
    model["products"][0]["routing"][0]["resources"][0].update(setup="30m", per_unit="30m")
    model["resources"][0]["downtime"] = [
        {"from": "2026-11-23T00:00", "to": "2026-11-23T01:00", "units": 1}
    ]
    plant = make_plant(model)
    plan = solve_checked(plant)
    assert sorted((s.start, s.end) for s in plan.steps) == [(0, 60), (60, 120)]
    # Available: 2 units x 120 min less 1 unit x 60 min down = 180 unit-min; run 2 x 30 = 60.
    assert planned_oee(plant, plan, ["M1"]) == {"M1": pytest.approx(60 / 180)}
    kpis = compute_kpis(plant, plan)
    assert kpis.bottlenecks == ["M1"] and kpis.planned_oee == {"M1": pytest.approx(1 / 3)}
    # Utilisation keeps its meaning: busy 120 of 2 x 120 (partial downtime not subtracted).
    assert kpis.utilisation["M1"] == pytest.approx(0.5)


def test_planned_oee_meets_the_target_and_a_setting_moves_it(make_plant):
    model = calendar_and_downtime_model()
    model["settings"]["oee_target"] = 0.35
    kpis = compute_kpis(plant := make_plant(model), solve_checked(plant))
    assert kpis.oee_target == 0.35 and kpis.oee_below_target == []


def test_an_idle_plant_has_no_planned_oee(make_plant):
    model = base_model()
    model["orders"] = []
    plant = make_plant(model)
    kpis = compute_kpis(plant, solve_checked(plant))
    assert kpis.planned_oee == {} and kpis.inventory_days == []


def test_demo_planned_oee_is_below_utilisation_by_the_setups():
    plant = load_plant(ROOT / "models" / "demo.yaml")
    plan = dispatch(plant)
    load, oee = utilisation(plant, plan), planned_oee(plant, plan)
    for rid in plant.resources:
        assert 0 <= oee[rid] < load[rid] or load[rid] == 0
    kpis = compute_kpis(plant, plan)
    assert list(kpis.planned_oee) == kpis.bottlenecks == ["AOI"]


# --- inventory days ---------------------------------------------------------------------------


def material_model() -> dict:
    """M: 10 on hand, 1 per unit of P; N: 5 on hand, used by nothing. No supplier.

    O1 (4 units) is released Monday 00:00 and due 01:00: its 1 h step runs 0-60 and draws 4 M
    at 0. O2 (4 units) is released Wednesday 23:00 and due Thursday 00:00: it draws 4 M at 4260.
    """
    model = base_model()
    model["settings"].update(holding_rate=0, inventory_days_target=2.0)
    model["products"][0]["bom"] = [{"material": "M", "per_unit": 1}]
    model["materials"] = [
        {"id": "M", "unit_cost": 1.0, "stock": 10},
        {"id": "N", "unit_cost": 1.0, "stock": 5},
    ]
    order = model["orders"][0]
    model["orders"] = [
        dict(order, id="O1", quantity=4, due="2026-11-23T01:00"),
        dict(
            order,
            id="O2",
            quantity=4,
            release="2026-11-25T23:00",
            due="2026-11-26T00:00",
        ),
    ]
    return model


def test_material_inventory_days_by_hand_inside_the_tolerance(make_plant):
    plant = make_plant(material_model())
    plan = solve_checked(plant)
    assert sorted(s.start for s in plan.steps) == [0, 3 * DAY - 60]
    rows = by_item(compute_kpis(plant, plan))
    m = rows[("material", "M")]
    # Window: plan start to the last completion or shipment, Thursday 00:00 = 4320 (3 days).
    # M holds 6 over [0, 4260) and 2 over [4260, 4320): 25,680 unit-min; 8 used.
    assert m.average_stock == pytest.approx(25680 / 4320)  # 5.94 units
    assert m.daily_use == pytest.approx(8 / 3)
    assert m.days == pytest.approx(25680 / (8 * DAY))  # 2.23 days
    # Target 2.0 +/- 20 %: 1.6..2.4, so not flagged.
    assert (m.target, m.flag) == (2.0, None)
    # Both orders complete at their due date and ship at once: no finished goods held.
    p = rows[("product", "P")]
    assert (p.days, p.flag) == (0.0, BELOW)


def test_an_item_outside_its_own_target_is_flagged(make_plant):
    model = material_model()
    model["settings"]["inventory_days_targets"] = {"M": 1.5, "P": 0}
    plant = make_plant(model)
    kpis = compute_kpis(plant, solve_checked(plant))
    rows = by_item(kpis)
    # 2.23 days against 1.5 +/- 20 % = 1.2..1.8: above. P's 0 days meet a target of 0.
    assert (rows[("material", "M")].target, rows[("material", "M")].flag) == (1.5, ABOVE)
    assert rows[("product", "P")].flag is None
    model["settings"]["inventory_days_targets"] = {"M": 3.0}
    plant = make_plant(model)
    rows = by_item(compute_kpis(plant, solve_checked(plant)))
    # 2.23 days against 3.0 +/- 20 % = 2.4..3.6: below.
    assert rows[("material", "M")].flag == BELOW


def test_an_item_with_no_use_has_no_days(make_plant):
    plant = make_plant(material_model())
    kpis = compute_kpis(plant, solve_checked(plant))
    n = by_item(kpis)[("material", "N")]
    # 5 held, nothing used: days None (not infinity); stock with no use is above any target.
    assert (n.average_stock, n.daily_use, n.days) == (5.0, 0.0, None)
    assert n.flag == ABOVE
    assert [(r.kind, r.item) for r in kpis.inventory_flagged] == [
        ("material", "N"),
        ("product", "P"),
    ]
    # Without any target, days are reported and nothing is flagged.
    model = material_model()
    del model["settings"]["inventory_days_target"]
    plant = make_plant(model)
    kpis = compute_kpis(plant, solve_checked(plant))
    assert {(r.target, r.flag) for r in kpis.inventory_days} == {(None, None)}


def finished_goods_model() -> dict:
    """M1 works Monday and Friday 00:00-01:00 only.

    P: 4 on hand. O1 (10 P, due Wednesday 00:00) is made Monday 0-60 and waits as finished
    goods until it ships at its due date, 2880. O2 (4 P, due Tuesday 00:00) could only be made
    late, on Friday, so it ships from stock at 1440. Q: 3 on hand and no order. R: no stock
    and no order.
    """
    model = base_model()
    model["settings"].update(inventory_days_target=1.5)
    model["calendars"] = [
        {"id": "short", "shifts": [{"days": ["mon", "fri"], "start": "00:00", "end": "01:00"}]}
    ]
    model["resources"][0]["calendar"] = "short"
    product = model["products"][0]
    product["stock"] = 4
    model["products"] += [dict(product, id="Q", stock=3), dict(product, id="R", stock=0)]
    order = model["orders"][0]
    model["orders"] = [
        dict(order, id="O1", quantity=10, due="2026-11-25T00:00"),
        dict(order, id="O2", quantity=4, due="2026-11-24T00:00"),
    ]
    return model


def test_finished_goods_inventory_days_by_hand(make_plant):
    model = finished_goods_model()
    plant = make_plant(model)
    plan = solve_checked(plant)
    assert plan.outcome("O2").from_stock and plan.outcome("O1").completion == 60
    rows = by_item(compute_kpis(plant, plan))
    p = rows[("product", "P")]
    # Window to the last shipment, 2880. P holds 4 over [0, 60), 4 + 10 over [60, 1440),
    # 10 over [1440, 2880): 240 + 19,320 + 14,400 = 33,960 unit-min; 4 + 10 = 14 shipped.
    assert p.average_stock == pytest.approx(33960 / 2880)
    assert p.daily_use == pytest.approx(14 / 2)
    assert p.days == pytest.approx(33960 / (14 * DAY))  # 1.68 days
    assert p.flag is None  # 1.5 +/- 20 % = 1.2..1.8
    q = rows[("product", "Q")]
    assert (q.average_stock, q.days, q.flag) == (3.0, None, ABOVE)
    assert ("product", "R") not in rows
    model["settings"]["inventory_days_targets"] = {"P": 1.0}  # 0.8..1.2
    plant = make_plant(model)
    assert by_item(compute_kpis(plant, solve_checked(plant)))[("product", "P")].flag == ABOVE


# --- settings and console ---------------------------------------------------------------------


def test_settings_defaults_and_bounds():
    settings = Settings()
    assert settings.oee_target == 0.8 and settings.inventory_days_tolerance == 0.2
    assert settings.inventory_days_target is None and settings.inventory_days_targets == {}
    assert Settings(inventory_days_targets={1001: 3}).inventory_days_targets == {"1001": 3.0}
    for bad in (
        {"oee_target": 1.5},
        {"inventory_days_target": -1},
        {"inventory_days_targets": {"M": -1}},
        {"inventory_days_tolerance": 2},
    ):
        with pytest.raises(ValidationError):
            Settings(**bad)


def test_console_shows_oee_against_target_and_flagged_items(make_plant):
    model = material_model()
    model["settings"]["inventory_days_targets"] = {"M": 1.5}
    plant = make_plant(model)
    plan = solve_checked(plant)
    console = Console(file=io.StringIO(), width=160)
    print_plan_summary(console, plant, plan, compute_kpis(plant, plan), rank_orders(plant))
    text = console.file.getvalue()
    # P is all setup (no time per unit): M1 plans no run time.
    assert "planned OEE M1" in text and "0.0% (below target 80%)" in text
    assert "3 items, 0.0-2.2 days; 3 outside target +/-20%" in text
    assert "material M" in text and "2.2 days (above target 1.5)" in text
    assert "material N" in text and "nothing used (above target 2)" in text
