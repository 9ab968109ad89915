"""Chains that cannot go back one order at a time are re-solved (``solve.fewer_moves``).

Hand-checkable plants: one-hour orders that may run on M1 or M2, a baseline laid out by hand
and a re-plan in which two orders swapped machines at the same hour. Neither can go back
alone (each one's old place is the other's now), so ``put_back`` leaves the plan as it is;
re-solving the moved orders for the steps kept in place puts both back. Every result passes
the checker, states the objective recomputed from it and finishes no order later.
"""

from __future__ import annotations

from solver.facts.checker import check_plan
from solver.facts.kpis import objective_units, with_objective
from solver.facts.stability import Reference, moved_steps
from solver.rules.ranking import tardiness_weights
from solver.solve.fewer_moves import fewer_moves
from solver.solve.putting_back import put_back
from tests.conftest import TEST_SETTINGS, base_model
from tests.test_putting_back import _plan


def _two_machines(make_plant, dues: dict[str, str]):
    model = base_model()
    model["products"][0]["routing"][0]["resources"].append({"resource": "M2", "setup": "60m"})
    order = model["orders"][0]
    model["orders"] = [dict(order, id=o, due="2026-11-23T" + due) for o, due in dues.items()]
    settings = {**TEST_SETTINGS, "deterministic": True, "time_limit": 5}
    return make_plant(model).with_settings(**settings)


def _fewer(plant, plan, baseline, exclude=()):
    reference = Reference(baseline, frozenset(exclude))
    weights = tardiness_weights(plant)
    priced = with_objective(plant, plan, reference, weights)
    result = fewer_moves(plant, priced, reference, weights)
    assert check_plan(plant, result) == []
    assert result.objective_units == sum(objective_units(plant, result, None, reference).values())
    for outcome in priced.outcomes:
        assert result.outcome(outcome.order).completion <= outcome.completion
    return priced, result


def _places(plan):
    return {s.order: (s.resource, s.start) for s in plan.steps}


def test_a_swap_put_back_cannot_undo_is_undone(make_plant):
    plant = _two_machines(make_plant, {"O1": "12:00", "O2": "12:00", "O3": "12:00"})
    baseline = _plan(plant, {"O1": [("M1", 0)], "O2": [("M2", 0)], "O3": [("M1", 60)]})
    swapped = _plan(plant, {"O1": [("M2", 0)], "O2": [("M1", 0)], "O3": [("M1", 60)]})
    reference = Reference(baseline)
    weights = tardiness_weights(plant)
    priced = with_objective(plant, swapped, reference, weights)
    # The control: one order at a time, neither fits back.
    assert put_back(plant, priced, reference, weights) is priced

    _, result = _fewer(plant, swapped, baseline)
    assert _places(result) == {"O1": ("M1", 0), "O2": ("M2", 0), "O3": ("M1", 60)}
    assert moved_steps(baseline, result) == set()


def test_the_asked_order_keeps_its_place_and_the_rest_go_back_around_it(make_plant):
    dues = {"O1": "12:00", "O2": "12:00", "R": "01:00"}
    plant = _two_machines(make_plant, dues)
    baseline = _plan(plant, {"O1": [("M1", 0)], "O2": [("M2", 60)]})
    # The rush took M1 at 0; O1 went to M2 at 0 and O2 to M1 at 60, where O1 could go instead.
    plan = _plan(plant, {"R": [("M1", 0)], "O1": [("M2", 0)], "O2": [("M1", 60)]})
    _, result = _fewer(plant, plan, baseline, exclude={"R"})
    places = _places(result)
    assert places["R"] == ("M1", 0)
    assert places["O2"] == ("M2", 60)  # back in its place; O1's place is the rush's
    assert len(moved_steps(baseline, result)) < len(moved_steps(baseline, plan))


def test_a_plan_with_nothing_to_gain_comes_back_as_it_was(make_plant):
    plant = _two_machines(make_plant, {"O1": "12:00", "O2": "12:00", "R": "01:00"})
    baseline = _plan(plant, {"O1": [("M1", 0)], "O2": [("M2", 0)]})
    # Both machines are taken at 0 by the rush and O2; O1 had to go later: no fewer moves.
    plan = _plan(plant, {"R": [("M1", 0)], "O2": [("M2", 0)], "O1": [("M1", 60)]})
    priced, result = _fewer(plant, plan, baseline, exclude={"R"})
    assert result is priced
