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
from tests.conftest import ROOT, base_model, solve_checked, write_model
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


def test_plants_with_supply_get_no_bound_here(tmp_path):
    plant = load_plant(write_model(tmp_path, supply_model()))
    assert lower_bound(plant, tardiness_weights(plant)) is None


def test_a_plan_with_the_bound_states_its_gap(make_plant):
    plant = _plant(make_plant, {o: {"due": T0 + "01:00"} for o in ("O1", "O2", "O3")})
    plan = solve_checked(plant)
    worse = plan.__class__(**{**plan.__dict__, "objective_units": 2 * plan.objective_units})
    bounded = with_bound(plant, worse, tardiness_weights(plant))
    assert bounded.best_bound * units_per_currency(plant) == plan.objective_units
    assert bounded.gap == 0.5 and "M1 as a relaxed machine" in bounded.stats["bound_note"]
