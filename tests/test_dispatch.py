"""List scheduling: its plans obey every rule, and CP-SAT never returns worse than its hint."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from solver.domain.errors import DataError
from solver.facts.checker import check_plan
from solver.facts.kpis import objective_units
from solver.input.loading import load_plant
from solver.solve.cpsat.model import build, fallback
from solver.solve.dispatch import best_dispatch, dispatch
from solver.supply import sources
from tests.conftest import ROOT, dispatch_then_solve, write_model
from tests.cpsat.test_constraints import pinned_model, two_orders_model

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def test_dispatch_of_the_demo_passes_the_checker():
    plant = load_plant(ROOT / "models" / "demo.yaml")
    plan = dispatch(plant)
    assert plan.status == "DISPATCH" and check_plan(plant, plan) == []
    assert all(o.accepted for o in plan.outcomes)


def test_dispatch_respects_pins_and_partial_downtime(make_plant):
    plant = make_plant(pinned_model())
    plan = dispatch(plant)
    assert check_plan(plant, plan) == []
    assert plan.steps_of("O2")[0].start == 30
    model = two_orders_model(capacity=2)
    model["resources"][0]["downtime"] = [
        {"from": "2026-11-23T00:00", "to": "2026-11-23T02:00", "units": 1}
    ]
    plant = make_plant(model)
    plan = dispatch(plant)
    assert check_plan(plant, plan) == [] and sorted(s.start for s in plan.steps) == [0, 60]


def test_a_step_takes_its_preferred_place_only_while_that_is_free(make_plant):
    plant = make_plant(two_orders_model())
    rid = dispatch(plant, ["O1", "O2"]).steps[0].resource
    later = dispatch(plant, ["O1", "O2"], prefer={("O2", 0): (rid, 120)})
    assert [(s.order, s.start) for s in later.steps] == [("O1", 0), ("O2", 120)]
    taken = dispatch(plant, ["O1", "O2"], prefer={("O2", 0): (rid, 0)})
    assert [(s.order, s.start) for s in taken.steps] == [("O1", 0), ("O2", 60)]
    assert check_plan(plant, later) == [] and check_plan(plant, taken) == []


def test_fallback_returns_the_dispatch_plan_with_its_objective(make_plant):
    plant = make_plant(two_orders_model())
    built = build(plant)
    plan = fallback(built, bound=0.0, seconds=0.5)
    assert plan.status == "DISPATCH" and check_plan(plant, plan) == []
    assert plan.objective_units == sum(objective_units(plant, plan).values()) > 0
    assert plan.gap == 1.0 and plan.solve_time == 0.5


@st.composite
def random_plants(draw):
    resources = []
    for r in range(draw(st.integers(1, 3))):
        resource = {"id": f"R{r}", "capacity": draw(st.integers(1, 2))}
        if draw(st.booleans()):
            resource["calendar"] = "day"
        if draw(st.booleans()):
            day = draw(st.integers(23, 26))
            resource["downtime"] = [{"from": f"2026-11-{day}T09:00", "to": f"2026-11-{day}T12:00"}]
        resources.append(resource)
    ids = [r["id"] for r in resources]
    products = []
    for p in range(2):
        routing = []
        for s in range(draw(st.integers(1, 3))):
            eligible = draw(
                st.lists(st.sampled_from(ids), min_size=1, max_size=len(ids), unique=True)
            )
            step = {
                "id": f"s{s}",
                "resources": [
                    {
                        "resource": r,
                        "setup": f"{draw(st.integers(1, 6)) * 30}m",
                        # 20m a unit: up to 13h 20m, longer than the 12-hour day shift
                        "per_unit": f"{draw(st.sampled_from([0, 1, 2, 3, 20]))}m",
                    }
                    for r in eligible
                ],
                "min_lag": f"{draw(st.integers(0, 2)) * 30}m",
            }
            # Work that pauses over breaks: asked for, refused, or left to its length.
            pause = draw(st.sampled_from([None, None, True, False]))
            if pause is not None:
                step["may_pause"] = pause
            routing.append(step)
        family = draw(st.sampled_from(["a", "b"]))
        products.append({"id": f"P{p}", "family": family, "unit_cost": 1.0, "routing": routing})
    orders = [
        {
            "id": f"O{o}",
            "customer": draw(st.sampled_from(["A1", "C1"])),
            "product": draw(st.sampled_from(["P0", "P1"])),
            "quantity": draw(st.integers(1, 40)),
            "due": f"2026-11-{draw(st.integers(23, 27))}T{draw(st.integers(8, 20)):02d}:00",
            "price": draw(st.sampled_from([0.5, 2.0, 5.0])),
            "status": draw(st.sampled_from(["firm", "firm", "proposed"])),
        }
        for o in range(draw(st.integers(1, 6)))
    ]
    model = {
        "plant": {"start": "2026-11-23T06:00", "horizon": "2w", "resolution": "15m"},
        "settings": {"tardiness_cost_per_day": 100},
        "calendars": [
            {"id": "day", "shifts": [{"days": WEEKDAYS, "start": "06:00", "end": "18:00"}]}
        ],
        "resources": resources,
        "products": products,
        "customers": [{"id": "A1", "tier": "A"}, {"id": "C1", "tier": "C"}],
        "orders": orders,
    }
    if draw(st.booleans()):
        add_random_supply(draw, model)
    if draw(st.booleans()):
        add_random_changeovers(draw, model)
    return model


def add_random_changeovers(draw, model: dict) -> None:
    """A changeover matrix on one machine (capacity 1), if there is one: a random time from 0
    to 90 minutes on the 15-minute grid for some pairs of the products' families (the same
    family too), maybe a default, and maybe no changeover cost (the rule binds all the same)."""
    machines = [r["id"] for r in model["resources"] if r["capacity"] == 1]
    if not machines:
        return
    families = sorted({p["family"] for p in model["products"]})
    minutes = st.integers(0, 6).map(lambda k: f"{15 * k}m")
    matrix: dict[str, dict[str, str]] = {}
    for before in families:
        for after in families:
            if draw(st.booleans()):
                matrix.setdefault(before, {})[after] = draw(minutes)
    changeover = {"resource": draw(st.sampled_from(machines)), "matrix": matrix}
    if draw(st.booleans()):
        changeover["default"] = draw(minutes)
    model["changeovers"] = [changeover]
    model["settings"]["changeover_cost_per_hour"] = draw(st.sampled_from([0.0, 50.0]))


def add_random_supply(draw, model: dict) -> None:
    """Material M for P0 (stock, receipts, two suppliers, maybe capacity, minimum order and
    an expedite), drawn at its first step or one its BOM line names, maybe a second material
    sharing a capacity group with M, settings for the stock model, supplier risk and holding,
    finished goods of P1."""
    line = {"material": "M", "per_unit": draw(st.sampled_from([1, 1.5]))}
    step = draw(st.sampled_from([None, *(s["id"] for s in model["products"][0]["routing"])]))
    if step is not None:
        line["step"] = step
    model["products"][0]["bom"] = [line]
    model["products"][1]["stock"] = draw(st.sampled_from([0, 0, 20, 60]))
    receipts = [
        {"quantity": draw(st.integers(5, 40)), "arrival": f"2026-11-{draw(st.integers(23, 30))}"}
        for _ in range(draw(st.integers(0, 2)))
    ]
    model["materials"] = [
        {"id": "M", "unit_cost": 2.0, "stock": draw(st.integers(0, 60)), "receipts": receipts}
    ]
    suppliers = []
    for k in range(draw(st.integers(0, 2))):
        offer = {
            "material": "M",
            "lead_time": f"{draw(st.integers(1, 5))}d",
            "price": draw(st.sampled_from([1.0, 3.0])),
        }
        if draw(st.booleans()):
            # 25 is below many needs (up to 60): they may take two purchases.
            offer["capacity"] = draw(st.sampled_from([25, 60, 120]))
        if draw(st.booleans()):
            offer["min_order"] = draw(st.sampled_from([10, 50, 200]))
        if draw(st.booleans()):
            offer["expedite"] = [{"name": "air", "lead_time": "12h", "cost_per_shipment": 50}]
        suppliers.append(
            {"id": f"S{k}", "reliability": draw(st.sampled_from([1.0, 0.8])), "offers": [offer]}
        )
    if suppliers and draw(st.booleans()):
        # A second material N for P0 from the first supplier, sharing a capacity group with M.
        model["products"][0]["bom"].append({"material": "N", "per_unit": 1})
        model["materials"].append({"id": "N", "unit_cost": 1.0, "stock": draw(st.integers(0, 30))})
        first = suppliers[0]
        first["offers"].append({"material": "N", "lead_time": "2d", "price": 1.0})
        group = {"id": "line", "materials": ["M", "N"], "capacity": draw(st.sampled_from([40, 90]))}
        first["capacity_groups"] = [group]
    model["suppliers"] = suppliers
    model["settings"].update(
        stock_model=draw(st.sampled_from(["reservoir", "buckets"])),
        supplier_risk=draw(st.sampled_from(["pad", "premium"])),
        holding_rate=draw(st.sampled_from([0.0, 0.25, 5.0])),
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_plants())
def test_random_plants_dispatch_and_solve_pass_the_checker(model):
    with tempfile.TemporaryDirectory() as tmp:
        try:
            plant = load_plant(write_model(Path(tmp), model))
        except DataError:
            assume(False)
    hint, plan = dispatch_then_solve(plant)
    if plan is None:
        return
    split = any(
        max(Counter((s.order, s.material) for s in p.supplies).values(), default=0) > 1
        for p in (hint, plan)
    )
    event("a need split between sources" if split else "no split")
    pairs = any(
        max(
            Counter((s.order, s.material) for s in p.supplies if s.source != "stock").values(),
            default=0,
        )
        > 1
        for p in (hint, plan)
    )
    event("a need bought in two purchases" if pairs else "no need bought twice")
    surplus = any(sources.surplus_events(plant, p.supplies, p.purchases) for p in (hint, plan))
    event("a minimum-order surplus went into stock" if surplus else "no surplus in stock")
    if hint.status == "DISPATCH":  # every firm order placed: a feasible hint bounds the result
        assert plan.objective_units <= sum(objective_units(plant, hint).values())


def test_best_dispatch_is_no_worse_than_each_rule():
    from solver.solve.dispatch import RULES, sequence_by

    plant = load_plant(ROOT / "models" / "demo.yaml")
    best = sum(objective_units(plant, best_dispatch(plant)).values())
    for rule in RULES:
        assert best <= sum(
            objective_units(plant, dispatch(plant, sequence_by(plant, rule))).values()
        )
