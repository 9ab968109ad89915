"""The model's formulation (issue 14): start windows from the routing, one-sided tardiness and
shifts that are exact at a proven optimum, and alternatives across a pool and a machine.

Tiny plants on a 1-minute grid (tests/conftest.py); with ``max_weight: 1`` and
``tardiness_cost_per_day: 1440`` one minute late costs exactly 1 EUR.
"""

from __future__ import annotations

import dataclasses

from solver.facts.kpis import objective_units
from solver.facts.stability import Reference
from solver.rules.ranking import tardiness_weights
from solver.solve.cpsat.model import build, solve
from solver.solve.cpsat.variables import step_windows
from tests.conftest import TEST_SETTINGS, base_model, solve_checked


def unit_weights(model: dict) -> dict:
    model["settings"]["max_weight"] = 1
    return model


def two_step_model() -> dict:
    """s1 (60 min on M1), at least 30 min apart from s2 (60 min on M2)."""
    model = unit_weights(base_model())
    model["products"][0]["routing"] = [
        {"id": "s1", "resources": [{"resource": "M1", "setup": "60m"}], "min_lag": "30m"},
        {"id": "s2", "resources": [{"resource": "M2", "setup": "60m"}]},
    ]
    return model


def test_windows_leave_each_step_the_starts_its_routing_allows(make_plant):
    plant = make_plant(two_step_model())
    windows = step_windows(plant, "O1", {})
    ((resource1, size1, first),) = windows[0]
    ((resource2, size2, second),) = windows[1]
    assert (resource1, size1, resource2, size2) == ("M1", 60, "M2", 60)
    # s2 cannot start before s1 (60) and its lag (30) are done; s1 must leave room for both.
    assert (first.min(), first.max()) == (0, plant.horizon - 60 - 30 - 60)
    assert (second.min(), second.max()) == (90, plant.horizon - 60)


def test_an_optional_order_whose_routing_cannot_fit_is_declined(make_plant):
    model = two_step_model()
    # Each step alone fits between the release and the horizon's end (7 days); both cannot.
    model["orders"][0].update(status="proposed", release="2026-11-29T22:00", due="2026-11-29T23:00")
    plant = make_plant(model)
    assert step_windows(plant, "O1", {})[1]  # the steps keep their calendar domains
    plan = solve_checked(plant)
    assert plan.proven_optimal and not plan.outcome("O1").accepted


def test_tardiness_is_exact_at_a_proven_optimum(make_plant):
    model = two_step_model()
    model["orders"][0]["due"] = "2026-11-23T02:00"  # 150 minutes of work and lag: 30 late
    plan = solve_checked(make_plant(model))
    assert plan.proven_optimal and plan.objective == 30.0
    assert plan.stats["model_objective_units"] == plan.objective_units
    assert plan.outcome("O1").tardiness == 30


def test_stability_term_is_exact_at_a_proven_optimum(make_plant):
    model = unit_weights(base_model())
    model["settings"]["stability_cost_per_day"] = 144  # 0.1 EUR per minute moved
    model["orders"][0]["due"] = "2026-11-23T01:00"
    model["orders"].append(dict(model["orders"][0], id="O2", due="2026-11-23T03:00"))
    plant = make_plant(model).with_settings(**TEST_SETTINGS)
    baseline = solve_checked(plant)
    assert baseline.outcome("O1").completion == 60
    # The dues swap: swapping the steps (2 x 60 minutes moved, 12 EUR) beats O2 60 late.
    orders = dict(plant.orders)
    orders["O1"] = dataclasses.replace(orders["O1"], due=180)
    orders["O2"] = dataclasses.replace(orders["O2"], due=60)
    changed = plant.replace(orders=orders)
    reference = Reference(baseline, frozenset())
    weights = tardiness_weights(changed)
    plan = solve(build(changed, baseline, weights, reference))
    assert plan.proven_optimal and plan.outcome("O2").completion == 60
    terms = objective_units(changed, plan, weights, reference)
    assert plan.objective_units == sum(terms.values()) == plan.stats["model_objective_units"]
    assert plan.terms == {"tardiness": 0.0, "declined": 0.0, "stability": 12.0}


def pool_and_machine(orders: int) -> dict:
    """Steps that may run on a pool of two (P2) or on machine M1, each 60 minutes."""
    model = unit_weights(base_model())
    model["resources"] = [{"id": "M1"}, {"id": "P2", "capacity": 2}]
    model["products"][0]["routing"][0]["resources"] = [
        {"resource": "M1", "setup": "60m"},
        {"resource": "P2", "setup": "60m"},
    ]
    model["orders"][0]["due"] = "2026-11-23T01:00"
    for k in range(2, orders + 1):
        model["orders"].append(dict(model["orders"][0], id=f"O{k}"))
    return model


def test_alternatives_on_a_pool_and_a_machine_run_three_at_once(make_plant):
    plan = solve_checked(make_plant(pool_and_machine(3)))
    assert plan.proven_optimal and plan.objective == 0
    assert {s.start for s in plan.steps} == {0}


def test_alternatives_on_a_pool_and_a_machine_run_no_more_than_three(make_plant):
    plan = solve_checked(make_plant(pool_and_machine(4)))
    assert plan.proven_optimal and plan.objective == 60.0
