"""LNS with supply: a neighbourhood's orders get the stock, supplier capacity and finished
goods the kept orders leave (``solve.residual_supply``); every accepted neighbourhood keeps the
plan valid and the objective never rises."""

from __future__ import annotations

import random

import pytest

import solver.solve.lns as lns
from benchmarks.generate import generate_plant
from solver.domain.plan import Plan, ScheduledStep, Supply
from solver.facts.checker import check_plan
from solver.facts.kpis import objective_units
from solver.input.loading import load_plant
from solver.rules.ranking import rank_orders
from solver.solve.cpsat.model import build, solve
from solver.solve.dispatch import best_dispatch
from solver.solve.lns import merge, neighbourhood, restrict, sub_plant
from solver.solve.residual_supply import keep_surplus_sources, residual_supply
from solver.solve.search import uses_lns
from tests.conftest import record_calls, write_model
from tests.cpsat.test_materials import supply_model

SETTINGS = {"workers": 2, "seed": 0, "time_limit": 6, "deterministic": True}


@pytest.fixture(scope="module")
def plant_with_materials(tmp_path_factory):
    path = write_model(tmp_path_factory.mktemp("lns_supply"), generate_plant(60, 1, True))
    return load_plant(path, SETTINGS)


def test_every_accepted_neighbourhood_keeps_the_plan_valid_and_no_dearer(
    plant_with_materials, monkeypatch
):
    plant = plant_with_materials.with_settings(lns_supply_orders=15, lns_step_limit=1)
    start = best_dispatch(plant, rank_orders(plant))
    merged = record_calls(monkeypatch, lns, "merge")
    objective = sum(objective_units(plant, start).values())
    result = lns.improve(plant, start)
    assert result.stats["iterations"] >= 3 and merged
    for candidate in merged:
        violations = check_plan(plant, candidate)
        assert violations == [], "\n".join(map(str, violations))
    assert check_plan(plant, result) == []
    assert result.objective_units <= objective
    assert result.objective_units == sum(objective_units(plant, result).values())


def test_a_neighbourhood_merged_back_is_valid_on_the_whole_plant(plant_with_materials):
    plant = plant_with_materials
    plan = best_dispatch(plant, rank_orders(plant))
    rng = random.Random(3)
    weights = {r.order: r.weight for r in rank_orders(plant)}
    for _ in range(3):
        free = keep_surplus_sources(plant, plan, neighbourhood(plant, plan, 20, rng))
        sub = sub_plant(plant, plan, free).with_settings(time_limit=2, deterministic_time=2)
        repaired = solve(build(sub, restrict(plan, free), weights))
        merged = merge(plan, repaired, free, plant)
        assert check_plan(plant, merged) == []
        assert {s.order for s in merged.supplies} >= {s.order for s in repaired.supplies}


def test_kept_stock_draws_leave_the_least_level_from_each_tick_on(make_plant):
    # M: 10 on hand, 10 more at tick 100. Kept orders draw 5 at tick 50 and 8 at tick 150:
    # the level runs 10, 5, 15, 7, so a freed order may draw 5 from the start and 2 more from
    # tick 100 (7 later on), never more.
    model = supply_model()
    model["materials"] = [
        {
            "id": "M",
            "unit_cost": 1.0,
            "stock": 10,
            "receipts": [{"id": "R1", "quantity": 10, "arrival": "2026-11-23T01:40"}],
        }
    ]
    plant = make_plant(model)
    steps = (
        ScheduledStep("O1", 0, "s1", "M1", 50, 110),
        ScheduledStep("O3", 0, "s1", "M1", 150, 210),
    )
    supplies = (Supply("O1", "M", 5, "stock"), Supply("O3", "M", 8, "stock"))
    plan = Plan("tiny", plant.grid.start, plant.grid.resolution, "HAND", steps, (), 0.0)
    plan = Plan(**{**plan.__dict__, "supplies": supplies})
    left = residual_supply(plant, plan, {"O2"}).materials["M"]
    assert left.stock == 5
    assert [(r.arrival, r.quantity) for r in left.receipts] == [(100, 2)]


def test_kept_purchases_take_their_supplier_capacity(make_plant):
    from tests.cpsat.test_materials import capacity_model

    plant = make_plant(capacity_model())
    plan = best_dispatch(plant, rank_orders(plant))
    bought = [s for s in plan.supplies if s.source != "stock"]
    assert bought, "the capacity model buys"
    keep = bought[0].order
    left = residual_supply(plant, plan, set(plant.orders) - {keep})
    offer = left.suppliers[bought[0].source].offers[bought[0].material]
    period = bought[0].arrival // left.suppliers[bought[0].source].period
    whole = plant.suppliers[bought[0].source].offers[bought[0].material].capacity
    assert offer.capacity_left(period) == whole - bought[0].quantity


def test_auto_search_uses_lns_for_big_books_with_supply(plant_with_materials):
    plant = plant_with_materials
    assert not uses_lns(plant)
    assert uses_lns(plant.with_settings(lns_above=59))
