"""Buy options (``sources.buy_options``, issue 15 item 1): an offer with no capacity, no minimum
order and no charge per shipment is offered in its first period only, since buying it later
costs the same and arrives later; every other offer keeps one option per period. The pruning
must not change any optimum, nor lose a plan that bought such an offer later (a hint)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import yaml

from benchmarks.generate import generate_plant
from solver.domain.plan import Supply
from solver.input.loading import load_plant
from solver.solve.cpsat import hints
from solver.solve.cpsat.model import build, solve
from solver.supply import sources
from tests.conftest import solve_checked
from tests.cpsat.test_materials import supply_model


def _four_weeks(**offer) -> dict:
    model = supply_model()
    model["plant"]["horizon"] = "28d"
    model["suppliers"][0]["offers"][0].update(offer)
    return model


def _periods(plant) -> list[int]:
    return [o.period for o in sources.buy_options(plant, "M", plant.horizon)]


def test_a_free_flowing_offer_has_one_option_in_its_first_period(make_plant):
    plant = make_plant(_four_weeks())
    assert _periods(plant) == [0]


@pytest.mark.parametrize("limit", [{"capacity": 10}, {"min_order": 5}])
def test_an_offer_with_a_capacity_or_minimum_keeps_every_period(make_plant, limit):
    plant = make_plant(_four_weeks(**limit))
    assert _periods(plant) == [0, 1, 2, 3]


def test_a_plan_that_bought_later_hints_the_first_period(make_plant):
    plant = make_plant(_four_weeks())
    [option] = sources.buy_options(plant, "M", plant.horizon)
    later = Supply("O1", "M", 1, "S", "standard", option.arrival + 7 * 1440)
    assert hints._chosen(later, option, plant)
    assert not hints._chosen(Supply("O1", "M", 1, "S", "air", later.arrival), option, plant)


def test_the_pruning_keeps_the_optimum(monkeypatch):
    """A generated plant with materials (its broker is free-flowing): the proven optimum with
    one broker option per need equals the one with an option per week. Its needs may split
    (stock and a purchase), so the pruned options of the bought parts are covered too; 10
    orders, since splits made the 15-order proofs take 36 s instead of 15."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plant.yaml"
        path.write_text(yaml.safe_dump(generate_plant(10, 1, materials=True), sort_keys=False))
        plant = load_plant(path, {"deterministic": True, "workers": 1, "time_limit": 60})
    assert any(
        sources.split_sizes(plant, o, m)
        for o in plant.orders
        for m in sources.requirements(plant, o)
    )
    pruned = solve_checked(plant, workers=1, deterministic=True, time_limit=60)
    monkeypatch.setattr(sources, "free_flowing", lambda offer, mode: False)
    monkeypatch.setattr(hints, "free_flowing", lambda offer, mode: False)
    every_week = build(plant.with_settings(workers=1, deterministic=True, time_limit=60, seed=0))
    full = solve(every_week)
    assert every_week.size()["variables"] > pruned.stats["variables"]
    assert pruned.proven_optimal and full.status == "OPTIMAL"
    assert pruned.objective_units == full.objective_units
