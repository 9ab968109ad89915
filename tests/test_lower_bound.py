"""The relaxation's lower bound (``solve.lower_bound``): never above a proven optimum, and
exact where the relaxation is tight.

Hand-checkable plants: one-hour orders on M1 (or a pool), lateness at 1 EUR a minute times
the order's weight. Each bound is compared with CP-SAT's proven optimum of the same plant.
"""

from __future__ import annotations

from solver.domain.plan import Plan
from solver.input.loading import load_plant
from solver.rules.costs import units_per_currency
from solver.rules.ranking import tardiness_weights
from solver.solve.lower_bound import lower_bound, with_bound
from tests.conftest import ROOT, base_model, solve_checked
from tests.cpsat.test_materials import supply_model

T0 = "2026-11-23T"


def _plant(make_plant, orders: dict[str, dict], capacity: int = 1):
    model = base_model()
    model["resources"][0]["capacity"] = capacity
    order = model["orders"][0]
    model["orders"] = [dict(order, id=o, **fields) for o, fields in orders.items()]
    return make_plant(model)


def _bound_and_optimum(plant) -> tuple[int, Plan]:
    bound = lower_bound(plant, tardiness_weights(plant))
    optimum = solve_checked(plant)
    assert optimum.proven_optimal
    assert bound.units <= optimum.objective_units
    return bound, optimum


def test_three_orders_on_one_machine_bound_exactly(make_plant):
    # Each alone would be on time; on M1 one waits an hour and one two: the machine relaxation
    # sees that, and it is the optimum.
    plant = _plant(make_plant, {o: {"due": T0 + "01:00"} for o in ("O1", "O2", "O3")})
    bound, optimum = _bound_and_optimum(plant)
    assert bound.alone == 0 and bound.resource == "M1"
    assert bound.units == optimum.objective_units > 0


def test_a_pool_of_two_halves_the_wait(make_plant):
    orders = {o: {"due": T0 + "01:00"} for o in ("O1", "O2", "O3", "O4")}
    plant = _plant(make_plant, orders, capacity=2)
    bound, optimum = _bound_and_optimum(plant)
    weights = tardiness_weights(plant)
    scale = units_per_currency(plant)
    # Two finish at 01:00 and two at 02:00: 2 x 60 minutes late at 1 EUR x weight a minute.
    assert bound.units == optimum.objective_units == 2 * 60 * min(weights.values()) * scale // 1


def test_an_order_released_too_late_is_late_alone(make_plant):
    plant = _plant(
        make_plant,
        {
            "O1": {"due": T0 + "02:30", "release": T0 + "02:00"},
            "O2": {"due": T0 + "12:00"},
        },
    )
    bound, optimum = _bound_and_optimum(plant)
    # Released at 02:00, done at 03:00 at best: half an hour late whatever else happens.
    per_minute = units_per_currency(plant) * tardiness_weights(plant)["O1"]
    assert bound.alone == 30 * per_minute == optimum.objective_units


def test_an_optional_order_costs_at_most_its_decline(make_plant):
    plant = _plant(
        make_plant,
        {
            "O1": {"due": T0 + "20:30", "release": T0 + "20:00", "status": "proposed"},
            "O2": {"due": T0 + "12:00"},
        },
    )
    bound, optimum = _bound_and_optimum(plant)
    assert 0 < bound.units <= optimum.objective_units


def test_the_demo_bound_is_below_its_proven_optimum(baseline_of):
    plant = load_plant(ROOT / "models" / "demo.yaml")
    optimum = Plan.from_json(baseline_of(ROOT / "models" / "demo.yaml"))
    assert optimum.proven_optimal
    bound = lower_bound(plant, tardiness_weights(plant))
    assert 0 < bound.units <= optimum.objective_units


def test_a_supply_plant_is_bounded_by_its_material_dates_and_its_purchases(make_plant):
    # M arrives after a day (1440 min), so O1 and O3 end no sooner than 1500 (1260 min late
    # each at 1 EUR); the 2 units of M nobody holds cost at least 1 EUR each, less rounding.
    plant = make_plant(supply_model())
    bound, optimum = _bound_and_optimum(plant)
    scale = units_per_currency(plant)
    assert bound.alone == 2 * 1260 * scale
    assert bound.purchases == (200 - 2 * 2) * plant.grid.ticks_per_day
    assert optimum.objective == 2582  # O3 waits an hour more: the bound does not see it
    assert "purchases that stock and receipts cannot avoid" in bound.note(scale, "EUR")


def test_an_expedite_makes_the_material_date_early_but_not_the_purchase_free(make_plant):
    plant = make_plant(supply_model(expedite_per_shipment=100))
    bound, optimum = _bound_and_optimum(plant)
    # By air M could be there at 02:00: alone, nobody is late; the shipment charge is relaxed.
    assert bound.alone == 0 and bound.units == bound.purchases > 0
    assert optimum.objective == 102


def test_stock_and_finished_goods_cover_needs_in_the_bound(make_plant):
    model = supply_model()
    model["materials"][0]["stock"] = 1  # one of the two units needed is on hand
    model["products"][1]["stock"] = 1  # Q on hand: O2 may ship from it
    plant = make_plant(model)
    bound, _ = _bound_and_optimum(plant)
    assert bound.purchases == (100 - 2 * 2) * plant.grid.ticks_per_day


def test_the_bound_is_below_every_plan_of_a_plant_with_stock_receipts_and_suppliers():
    plant = load_plant(ROOT / "models" / "stocked.yaml")
    weights = tardiness_weights(plant)
    bound = lower_bound(plant, weights)
    plan = solve_checked(plant, time_limit=5)
    assert 0 < bound.units <= plan.objective_units
    bounded = with_bound(plant, plan, weights)
    assert bounded.best_bound == bound.units / units_per_currency(plant)
    assert 0 <= bounded.gap < 1 and "purchases" in bounded.stats["bound_note"]


def test_a_plan_with_the_bound_states_its_gap(make_plant):
    plant = _plant(make_plant, {o: {"due": T0 + "01:00"} for o in ("O1", "O2", "O3")})
    plan = solve_checked(plant)
    worse = plan.__class__(**{**plan.__dict__, "objective_units": 2 * plan.objective_units})
    bounded = with_bound(plant, worse, tardiness_weights(plant))
    assert bounded.best_bound * units_per_currency(plant) == plan.objective_units
    assert bounded.gap == 0.5 and "M1 as a relaxed machine" in bounded.stats["bound_note"]
