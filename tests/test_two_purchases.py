"""One need, two purchases (issue 18 item 3): a need, or the rest of it after a stock part,
may be bought in two purchases cut at what one offer delivers in a period
(``sources.split_ways``, ``sources.purchase_cuts``), unless ``settings.split_needs`` is off.

The hand-checkable plant (``two_model``) runs on an hourly grid for 2 weeks from Monday
2026-11-23 00:00 (tick 0). O1 makes 12 P, one unit of material M each, in one 1-hour step on
M1 that draws M when it starts. M has no stock. Two suppliers, both with daily periods and a
lead time of 1 day, so a purchase in period k >= 1 arrives at 24 k (period 0 cannot: it ends
at 24): S sells M at 10 EUR but at most 8 a day; T at 20 EUR with no limit.
``tardiness_cost_per_day: 2400`` with weight 1 (``max_weight: 1``) makes an hour late cost
100 EUR; ``holding_rate: 0`` leaves holding free. One EUR is 100 x 24 = 2,400 objective units.

- **Due Wednesday** (the end of 2026-11-25, tick 72): 8 from S arriving at 24 and 4 from S
  arriving at 48 (or the other way round): the step runs from 48, on time, and the plan costs
  12 x 10 = 120 EUR. Nothing is cheaper: every unit costs at least 10 EUR. With
  ``split_needs: false``, S cannot bring 12 in one purchase: 12 from T, 240 EUR.
- **Due Tuesday** (tick 48): the step must start by 47, so every unit must arrive at 24: 8
  from S and 4 from T, 80 + 80 = 160 EUR. S's second day makes the step end at 49, one hour
  late: 120 + 100 = 220; all from T: 240.
- **Stock and two purchases** (2 on hand, O1 needs 14, due Tuesday): 2 from stock, 8 from S
  and 4 from T, all there at 24: 160 EUR. Stock and T alone: 240; S 8 and T 6: 200.
- **S alone** (T removed), due Wednesday: only S's 8 at 24 and 4 at 48 bring 12, so the
  material is ready at 48 (``sources.material_ready``) and the plan costs 120 EUR; without
  splitting the order is refused at loading. Due Tuesday, it ends at 49: 120 + 100 = 220 EUR,
  and the lower bound's one-order term finds the hour late exactly.
"""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from solver.domain.errors import DataError
from solver.domain.plan import Plan, Supply
from solver.facts.checker import check_plan
from solver.facts.kpis import objective_units, with_objective
from solver.input.loading import load_plant_data
from solver.rules.ranking import tardiness_weights
from solver.solve import lns
from solver.solve.cpsat.model import build
from solver.solve.dispatch import best_dispatch
from solver.solve.lower_bound import lower_bound
from solver.supply import sources
from solver.supply.allocation import build_purchases
from tests.conftest import (
    dispatch_then_solve,
    material_model,
    record_calls,
    run_cli,
    solve_checked,
    write_model,
)

CPSAT = {"search": "cpsat", "deterministic": True, "time_limit": 5, "workers": 2, "seed": 0}
EUR = 2400  # objective units per EUR on an hourly grid
WEDNESDAY, TUESDAY = 72, 48  # the ends of 2026-11-25 and 2026-11-24


def two_model(
    due: str = "2026-11-25", quantity: int = 12, stock: int = 0, dear: bool = True
) -> dict:
    """The plant of the module docstring: S (10 EUR, 8 a day) and, when ``dear``, T."""
    model = material_model(
        "two",
        {"tardiness_cost_per_day": 2400, "max_weight": 1, "holding_rate": 0.0},
        {"id": "M", "unit_cost": 10.0, "stock": stock},
        {"material": "M", "lead_time": "1d", "price": 10.0, "capacity": 8},
        [{"id": "O1", "quantity": quantity, "due": due}],
    )
    if dear:
        offer = {"material": "M", "lead_time": "1d", "price": 20.0}
        model["suppliers"].append({"id": "T", "period": "1d", "offers": [offer]})
    return model


def load(model: dict, **settings):
    return load_plant_data(model, "two.yaml").with_settings(**{**CPSAT, **settings})


def rows(plan: Plan) -> list[tuple[str, int, int | None]]:
    """O1's supplies as (source, quantity, arrival), sorted."""
    return sorted((s.source, s.quantity, s.arrival or 0) for s in plan.supplies)


def with_rows(plant, plan: Plan, supplies) -> Plan:
    """``plan`` with other supplies, its purchases regrouped and objective redone."""
    supplies = tuple(supplies)
    changed = dataclasses.replace(
        plan, supplies=supplies, purchases=tuple(build_purchases(plant, supplies))
    )
    return with_objective(plant, changed)


@pytest.fixture(scope="module")
def wednesday():
    plant = load(two_model())
    return plant, solve_checked(plant, **CPSAT)


# 1. Where a need may be cut --------------------------------------------------------------


def test_the_cuts_are_the_offer_limits_whose_rest_one_offer_brings():
    plant = load(two_model())
    assert sources.purchase_cuts(plant, "M", 12) == (8,)
    assert sources.purchase_cuts(plant, "M", 8) == ()  # S brings 8 in one purchase
    assert sources.split_ways(plant, "O1", "M") == (sources.Split(0, (8, 4)),)
    alone = load(two_model(dear=False))
    # S alone: 12 = 8 + 4, but 17 = 8 + 9 is beyond two of its purchases.
    assert sources.purchase_cuts(alone, "M", 12) == (8,)
    assert sources.purchase_cuts(alone, "M", 17) == ()
    assert sources.split_ways(load(two_model(), split_needs=False), "O1", "M") == ()


def test_stock_parts_and_purchase_pairs_together():
    plant = load(two_model(quantity=14, stock=2))
    assert sources.split_ways(plant, "O1", "M") == (
        sources.Split(2, (12,)),  # 2 from stock, 12 bought at once
        sources.Split(0, (8, 6)),  # 14 in two purchases
        sources.Split(2, (8, 4)),  # 2 from stock, the 12 in two purchases
    )
    assert sources.Split(2, (8, 4)).parts == (("stock", 2), ("bought", 8), ("bought", 4))


def test_the_cuts_are_the_largest_two_limits():
    model = two_model(quantity=15, dear=False)
    offer = model["suppliers"][0]["offers"][0]
    model["suppliers"] = [
        {"id": sid, "period": "1d", "offers": [dict(offer, capacity=cap)]}
        for sid, cap in (("A", 5), ("B", 8), ("C", 9), ("D", 10))
    ]
    plant = load(model)
    # Every limit is below 15 and leaves a rest one offer brings: the largest two are kept.
    assert sources.purchase_cuts(plant, "M", 15) == (9, 10)
    assert sources.split_ways(plant, "O1", "M") == (
        sources.Split(0, (9, 6)),
        sources.Split(0, (10, 5)),
    )


def test_a_group_below_nothing_and_an_offer_below_the_group_cut_at_the_smaller():
    """S's group of M and N holds 10 a day, its offer of M 8: the cut is 8, and the plan is
    the 120 EUR one (S's 8 and 4 on two days), not T's 10 and S's 2 (220 EUR)."""
    model = two_model()
    model["materials"].append({"id": "N", "unit_cost": 1.0})
    supplier = model["suppliers"][0]
    supplier["offers"].append({"material": "N", "lead_time": "1d", "price": 1.0})
    supplier["capacity_groups"] = [{"id": "g", "materials": ["M", "N"], "capacity": 10}]
    plant = load(model)
    assert sources.limit_of(plant, "S", "M") == 8
    assert sources.split_ways(plant, "O1", "M") == (sources.Split(0, (8, 4)),)
    plan = solve_checked(plant, **CPSAT)
    assert plan.proven_optimal and plan.objective_units == 120 * EUR


def test_the_earliest_pair_puts_each_part_on_an_offer_that_holds_it():
    """U and V bring 4 a day in a day, S 8 in three: the 8 can only come from S (at 72)."""
    model = two_model(dear=False)
    offer = model["suppliers"][0]["offers"][0]
    model["suppliers"][0]["offers"][0]["lead_time"] = "3d"
    for sid in ("U", "V"):
        small = dict(offer, capacity=4, lead_time="1d")
        model["suppliers"].append({"id": sid, "period": "1d", "offers": [small]})
    plant = load(model)
    assert sources.split_ways(plant, "O1", "M") == (sources.Split(0, (8, 4)),)
    assert sources.earliest_purchases(plant, "M", (8, 4)) == 72
    assert sources.material_ready(plant, "O1") == 72


# 2. CP-SAT and dispatch buy in two purchases, and do not with the setting off ---------------


def test_cpsat_buys_from_the_cheap_supplier_on_two_days(wednesday):
    plant, plan = wednesday
    assert plan.proven_optimal and plan.objective_units == 120 * EUR
    assert [(s, q) for s, q, _ in rows(plan)] == [("S", 4), ("S", 8)]
    assert {a for *_, a in rows(plan)} == {24, 48}
    assert plan.steps[0].start == 48 and plan.steps[0].end <= WEDNESDAY
    assert len(plan.purchases) == 2  # two shipments, each within S's 8 a day


def test_without_splitting_the_dear_supplier_brings_it_all(wednesday):
    plant, _ = wednesday
    plan = solve_checked(plant.with_settings(split_needs=False), **CPSAT)
    assert plan.proven_optimal and plan.objective_units == 240 * EUR
    assert rows(plan) == [("T", 12, 24)]


def test_due_tuesday_the_dear_supplier_brings_what_the_cheap_one_cannot_in_time():
    plant = load(two_model(due="2026-11-24"))
    plan = solve_checked(plant, **CPSAT)
    assert plan.proven_optimal and plan.objective_units == 160 * EUR
    assert rows(plan) == [("S", 8, 24), ("T", 4, 24)]
    assert plan.steps[0].end <= TUESDAY
    dispatched = with_objective(plant, best_dispatch(plant))
    assert check_plan(plant, dispatched) == []
    assert rows(dispatched) == rows(plan) and dispatched.objective_units == 160 * EUR


def test_stock_and_two_purchases_in_one_need():
    plant = load(two_model(due="2026-11-24", quantity=14, stock=2))
    plan = solve_checked(plant, **CPSAT)
    assert plan.proven_optimal and plan.objective_units == 160 * EUR
    assert rows(plan) == [("S", 8, 24), ("T", 4, 24), ("stock", 2, 0)]
    dispatched = with_objective(plant, best_dispatch(plant))
    assert check_plan(plant, dispatched) == []
    assert dispatched.objective_units == 160 * EUR


def test_dispatch_buys_on_two_days_too(wednesday):
    plant, _ = wednesday
    plan = with_objective(plant, best_dispatch(plant))
    assert plan.status == "DISPATCH" and check_plan(plant, plan) == []
    assert plan.objective_units == 120 * EUR
    assert [(s, q) for s, q, _ in rows(plan)] == [("S", 4), ("S", 8)]
    off = plant.with_settings(split_needs=False)
    assert rows(with_objective(off, best_dispatch(off))) == [("T", 12, 24)]


def test_the_two_parts_never_take_one_shipment():
    model = two_model()
    # A minimum order gives T an option in every period (else only its first).
    model["suppliers"][1]["offers"][0]["min_order"] = 1
    plant = load(model)
    (split,) = build(plant).variables.supply.splits[("O1", "M")]
    first, second = split.bought
    assert (first.quantity, second.quantity) == (8, 4) and split.stock is None

    def feasible(same: bool) -> bool:
        """Whether the model allows the parts by T (no capacity) in one period, or two."""
        built = build(plant)
        (split,) = built.variables.supply.splits[("O1", "M")]
        one, two = ([b for b in part.buys if b.supplier == "T"] for part in split.bought)
        built.model.add(one[0].chosen == 1)
        built.model.add(two[0 if same else 1].chosen == 1)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = 5
        return solver.solve(built.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)

    # T in two periods is a valid (if dear) way; T twice in one period is one purchase.
    assert feasible(same=False) and not feasible(same=True)


# 3. The hint, the checker ----------------------------------------------------------------


def test_a_dispatch_plan_with_two_purchases_hints_every_part(wednesday):
    plant, _ = wednesday
    plan = with_objective(plant, best_dispatch(plant))
    built = build(plant, plan)
    assert not built.variables.hint_outside_sources
    (split,) = built.variables.supply.splits[("O1", "M")]
    hint = built.model.proto.solution_hint
    hints = dict(zip(hint.vars, hint.values, strict=True))
    assert hints[split.chosen.index] == 1
    arrival = {s.quantity: s.arrival for s in plan.supplies}  # 8 and 4: each its own row
    for part in split.bought:
        hinted = [b for b in part.buys if hints[b.chosen.index]]
        assert len(hinted) == 1 and hinted[0].arrival == arrival[part.quantity]


def test_the_checker_refuses_two_purchases_beyond_a_day(wednesday):
    plant, plan = wednesday
    both = [Supply("O1", "M", 8, "S", "standard", 24), Supply("O1", "M", 4, "S", "standard", 24)]
    broken = with_rows(plant, plan, both)
    assert [(v.kind, v.message) for v in check_plan(plant, broken)] == [
        ("supplier-capacity", "12 M bought from S in period 1, capacity 8")
    ]


def test_the_checker_refuses_two_purchases_with_splitting_off(wednesday):
    plant, plan = wednesday
    found = check_plan(plant.with_settings(split_needs=False), plan)
    assert [(v.kind, v.message) for v in found] == [
        ("material", "O1 gets M from 2 sources, and split_needs is false: one source per need")
    ]


# 4. Loading, the lower bound --------------------------------------------------------------


def test_a_need_only_two_purchases_cover_loads_and_waits_for_the_second():
    plant = load(two_model(dear=False))
    assert sources.material_ready(plant, "O1") == 48
    plan = solve_checked(plant, **CPSAT)
    assert plan.proven_optimal and plan.objective_units == 120 * EUR
    assert {a for *_, a in rows(plan)} == {24, 48}


def test_without_splitting_a_need_beyond_one_purchase_is_refused():
    model = two_model(dear=False)
    model["settings"]["split_needs"] = False
    with pytest.raises(DataError) as caught:
        load_plant_data(model, "two.yaml")
    (problem,) = caught.value.problems
    assert (problem.record, problem.field) == ("orders 'O1'", "quantity")
    assert "split_needs is false" in problem.message


def test_lower_bound_finds_the_hour_two_purchases_cost():
    plant = load(two_model(due="2026-11-24", dear=False))
    bound = lower_bound(plant, tardiness_weights(plant))
    plan = solve_checked(plant, **CPSAT)
    assert plan.proven_optimal and plan.objective_units == 220 * EUR
    assert bound.alone == 100 * EUR  # ready at 48, ends at 49, due 48
    assert bound.units <= plan.objective_units


# 5. LNS, the purchase list ---------------------------------------------------------------


def test_lns_keeps_every_plan_with_two_purchase_needs_valid(monkeypatch):
    """Four orders of 12 M from S's 8 a day and T, due Tuesday to Friday."""
    model = two_model()
    order = model["orders"][0]
    dues = {"O1": "2026-11-24", "O2": "2026-11-25", "O3": "2026-11-26", "O4": "2026-11-27"}
    model["orders"] = [dict(order, id=oid, due=due) for oid, due in dues.items()]
    plant = load(model, search="lns", time_limit=2, lns_step_limit=0.5, lns_supply_orders=2)
    merged = record_calls(monkeypatch, lns, "merge")
    start = with_objective(plant, best_dispatch(plant))
    assert check_plan(plant, start) == []
    result = lns.improve(plant, start)
    assert merged
    for candidate in merged:
        violations = check_plan(plant, candidate)
        assert violations == [], "\n".join(map(str, violations))
    assert check_plan(plant, result) == []
    assert result.objective_units == sum(objective_units(plant, result).values())
    assert result.objective_units <= start.objective_units
    parts = Counter((s.order, s.material) for s in result.supplies)
    assert max(parts.values()) == 2  # some order buys its 12 in two purchases


def test_the_purchase_list_shows_both_shipments(tmp_path):
    path = write_model(tmp_path, two_model())
    run = run_cli(["plan", str(path), "--time-limit", "5", "--workers", "2"], path)
    assert run.code == 0
    purchases = [line for line in run.out.splitlines() if "│ standard" in line and "O1" in line]
    assert len(purchases) == 2 and "Purchases (2)" in run.out, run.out


# 6. Property: random plants whose needs exceed what a supplier brings in a day ---------------


@st.composite
def capped_plants(draw) -> dict:
    """One to four orders of 10 to 40 units of M, some stock, one or two suppliers of M
    bringing 8 to 25 a day (maybe with a minimum order or an expedite), so that many needs
    are beyond any one purchase."""
    dues = st.sampled_from(["2026-11-24", "2026-11-25", "2026-11-26", "2026-11-28"])
    orders = [
        {"id": f"O{k}", "quantity": draw(st.integers(10, 40)), "due": draw(dues)}
        for k in range(draw(st.integers(1, 4)))
    ]
    model = material_model(
        "capped",
        {
            "tardiness_cost_per_day": draw(st.sampled_from([240, 2400])),
            "max_weight": 1,
            "holding_rate": draw(st.sampled_from([0.0, 5.0])),
        },
        {"id": "M", "unit_cost": 10.0, "stock": draw(st.integers(0, 20))},
        {"material": "M", "lead_time": "1d", "price": 10.0},
        orders,
    )
    model["suppliers"] = []
    for k in range(draw(st.integers(1, 2))):
        offer = {
            "material": "M",
            "lead_time": f"{draw(st.integers(1, 3))}d",
            "price": draw(st.sampled_from([10.0, 20.0])),
            "capacity": draw(st.sampled_from([8, 15, 25])),
        }
        if draw(st.booleans()):
            offer["min_order"] = draw(st.sampled_from([5, 12]))
        if draw(st.booleans()):
            offer["expedite"] = [{"name": "air", "lead_time": "12h", "cost_per_unit": 5}]
        model["suppliers"].append({"id": f"S{k}", "period": "1d", "offers": [offer]})
    return model


def bought_twice(plan: Plan) -> bool:
    counted = Counter((s.order, s.material) for s in plan.supplies if s.source != "stock")
    return max(counted.values(), default=0) > 1


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(capped_plants())
def test_random_capped_plants_pass_the_checker(model):
    try:
        plant = load_plant_data(model, "capped.yaml")
    except DataError:
        assume(False)
    hint, plan = dispatch_then_solve(plant)
    if plan is None:
        return
    hint = with_objective(plant, hint)
    for p in (hint, plan):  # no need takes one shipment twice
        rows = Counter((s.order, s.material, s.source, s.mode, s.arrival) for s in p.supplies)
        assert max(rows.values(), default=0) == 1
    event("dispatch buys a need twice" if bought_twice(hint) else "dispatch: no need twice")
    event("CP-SAT buys a need twice" if bought_twice(plan) else "CP-SAT: no need twice")
    if hint.status == "DISPATCH":
        assert plan.objective_units <= hint.objective_units
