"""Family 7: ranked weighted tardiness and the value of declined optional orders."""

from __future__ import annotations

import pytest

from benchmarks.generate import generate_plant
from solver.solve.cpsat.model import build
from tests.conftest import base_model, solve_checked, write_model
from tests.cpsat.test_constraints import two_orders_model


def test_optional_order_that_loses_money_is_declined(make_plant):
    model = base_model()
    model["orders"].append(
        dict(model["orders"][0], id="O2", status="proposed", price=0.5, due="2026-11-30")
    )
    plan = solve_checked(make_plant(model))
    assert not plan.outcome("O2").accepted and plan.outcome("O1").accepted
    # Declining O2 gains its negative margin: 1 x (0.5 - 1.0) = -0.50 EUR.
    assert plan.proven_optimal and plan.terms["declined"] == pytest.approx(-0.5)


def test_proposed_order_declined_when_lateness_costs_more_than_its_margin(make_plant):
    model = two_orders_model()
    model["orders"][1].update(status="proposed", quantity=10)  # margin 10 x (2 - 1) = 10 EUR
    plan = solve_checked(make_plant(model))
    # Accepting it makes one order 60 minutes late at 1 EUR a minute: 60 > 10, so decline.
    assert not plan.outcome("O2").accepted
    assert plan.proven_optimal and plan.objective == pytest.approx(10.0)


def test_proposed_order_accepted_when_lateness_is_cheap(make_plant):
    model = two_orders_model()
    model["orders"][1].update(status="proposed", quantity=10)
    model["settings"]["tardiness_cost_per_day"] = 14.4  # 0.01 EUR a minute
    plan = solve_checked(make_plant(model))
    assert plan.outcome("O2").accepted
    assert plan.proven_optimal and plan.objective == pytest.approx(0.6)


def test_firm_orders_are_never_declined(make_plant):
    model = two_orders_model()
    model["orders"][1].update(price=0.0)
    plan = solve_checked(make_plant(model))
    assert all(o.accepted for o in plan.outcomes)


def test_higher_tier_customer_goes_first(make_plant):
    model = base_model()
    model["customers"].append({"id": "SMALL", "tier": "C"})
    model["orders"][0]["due"] = "2026-11-23T01:00"
    model["orders"].append(dict(model["orders"][0], id="O2", customer="SMALL"))
    plan = solve_checked(make_plant(model))
    assert plan.outcome("O1").tardiness == 0 and plan.outcome("O2").tardiness == 60


def test_timeout_still_returns_the_best_plan(tmp_path):
    from solver.input.loading import load_plant

    plant = load_plant(write_model(tmp_path, generate_plant(200, seed=3)))
    plan = solve_checked(plant, time_limit=3)
    assert plan.status in ("FEASIBLE", "OPTIMAL") and plan.gap >= 0
    assert plan.best_bound <= plan.objective + 1e-6
    assert {o.order for o in plan.outcomes} == set(plant.orders)


def test_model_size_is_reported(make_plant):
    built = build(make_plant(two_orders_model()))
    assert built.size()["variables"] > 0 and built.size()["constraints"] > 0
