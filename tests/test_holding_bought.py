"""Holding cost on bought material waiting for its order (issue 18 item 3).

An hourly grid from Monday 00:00. Material M is worth 876 EUR a unit and the holding rate is
10 a year: a unit held a tick (an hour) costs round(100 x 876 x 1 x 10 / 365) = 2,400
objective units, 1 EUR (one EUR is 100 x 24 units on this grid). Supplier S delivers M a day
after ordering, in daily periods: arrivals at 24, 48, 72, ... O1 (1 unit of P, released
Wednesday 00:00 = tick 48, due Friday) draws M when its single 1-hour step on M1 starts.

- Bought to arrive at 48 and made at 48: no wait, no holding; 876 EUR of purchase.
- Bought to arrive at 24 (Tuesday) and made at 48: 24 hours held, 24 EUR more.
"""

from __future__ import annotations

import dataclasses

import pytest

from solver.facts.checker import check_plan
from solver.facts.kpis import objective_units, with_objective
from solver.rules.costs import units_per_currency
from solver.supply.allocation import build_purchases
from tests.conftest import material_model, solve_checked

CPSAT = {"search": "cpsat", "deterministic": True, "time_limit": 10, "workers": 2, "seed": 0}


def holding_model(rate: float = 10.0) -> dict:
    return material_model(
        "hb",
        {"tardiness_cost_per_day": 24, "max_weight": 1, "holding_rate": rate},
        {"id": "M", "unit_cost": 876.0},
        {"material": "M", "lead_time": "1d", "price": 876.0, "capacity": 5},
        [{"id": "O1", "quantity": 1, "due": "2026-11-27", "release": "2026-11-25T00:00"}],
    )


def arriving_at(plant, plan, tick: int):
    """The plan with every purchase arriving at ``tick``, its purchases and objective redone."""
    early = [dataclasses.replace(s, arrival=tick) for s in plan.supplies]
    return with_objective(
        plant,
        dataclasses.replace(
            plan, supplies=tuple(early), purchases=tuple(build_purchases(plant, early))
        ),
    )


def eur(plant, units: int) -> float:
    return units / units_per_currency(plant)


def test_bought_material_arrives_when_its_step_starts(make_plant):
    plant = make_plant(holding_model())
    plan = solve_checked(plant, **CPSAT)
    (supply,) = plan.supplies
    (step,) = plan.steps
    assert step.start == 48 and supply.arrival == 48
    assert eur(plant, objective_units(plant, plan)["holding"]) == 0
    if plan.proven_optimal:
        assert plan.objective == pytest.approx(876)


def test_a_purchase_arriving_early_pays_for_the_wait(make_plant):
    plant = make_plant(holding_model())
    plan = solve_checked(plant, **CPSAT)
    waited = arriving_at(plant, plan, 24)
    assert check_plan(plant, waited) == []  # a valid plan, only dearer
    assert eur(plant, objective_units(plant, waited)["holding"]) == pytest.approx(24)
    # Stating the old holding for it is a lie the checker catches.
    lying = dataclasses.replace(
        waited, terms=plan.terms, objective=plan.objective, objective_units=plan.objective_units
    )
    assert any(v.kind == "objective" for v in check_plan(plant, lying))


def test_without_a_holding_rate_an_early_purchase_costs_nothing_more(make_plant):
    plant = make_plant(holding_model(rate=0))
    plan = solve_checked(plant, **CPSAT)
    waited = arriving_at(plant, plan, 24)
    assert objective_units(plant, waited) == objective_units(plant, plan)
