"""Each rescheduling strategy on a small changed plant: a valid plan and its own character."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter

from solver.changes.apply import Change, apply_changes
from solver.domain.plan import Plan, ScheduledStep
from solver.facts.checker import check_plan
from solver.facts.stability import sequence_swaps, stability_metrics
from solver.solve.dispatch import ALL_RULES, dispatch, sequence_by
from solver.solve.search import plan as solve_plan
from solver.strategies import STRATEGIES, get_strategy
from tests.conftest import ROOT, TEST_SETTINGS
from tests.test_whatif import T0, plant_model, rush


def changed_plant(make_plant, change: dict):
    model = plant_model(O1="02:00", O2="04:00", O3="06:00")
    model["resources"][1]["id"] = "M2"
    model["products"][0]["routing"][0]["resources"].append({"resource": "M2", "per_unit": "90m"})
    plant = make_plant(model)
    settings = plant.settings.with_overrides(**TEST_SETTINGS)
    baseline = solve_plan(plant.replace(settings=settings))
    applied = apply_changes(plant, [TypeAdapter(Change).validate_python(change)], 0)
    return applied, baseline, settings


CHANGES = [
    rush("03:00"),
    {"kind": "resource_down", "resource": "M1", "from": T0 + "01:00", "to": T0 + "03:00"},
    {"kind": "cancel_order", "order": "O2"},
]


@pytest.mark.parametrize("name", list(STRATEGIES))
@pytest.mark.parametrize("change", CHANGES, ids=[c["kind"] for c in CHANGES])
def test_every_strategy_gives_a_valid_plan(make_plant, name, change):
    applied, baseline, settings = changed_plant(make_plant, change)
    plant = applied.plant.replace(settings=settings)
    plan = get_strategy(name).replan(plant, baseline, 0, applied.asked)
    assert check_plan(applied.plant, plan) == []
    assert all(o.accepted for o in plan.outcomes)


def test_right_shift_never_moves_a_step_earlier_or_elsewhere(make_plant):
    applied, baseline, settings = changed_plant(make_plant, CHANGES[1])
    plan = get_strategy("right_shift").replan(
        applied.plant.replace(settings=settings), baseline, 0, []
    )
    before = {(s.order, s.step_index): s for s in baseline.steps}
    for step in plan.steps:
        old = before[(step.order, step.step_index)]
        assert step.start >= old.start and step.resource == old.resource


def test_affected_leaves_untouched_orders_exactly_as_planned(make_plant):
    applied, baseline, settings = changed_plant(make_plant, rush("12:00"))
    plant = applied.plant.replace(settings=settings)
    plan = get_strategy("affected").replan(plant, baseline, 0, applied.asked)
    moved = stability_metrics(applied.plant, plan, baseline)
    assert moved.steps_moved <= 1  # the rush fits after the book; at most a neighbour moves
    assert check_plan(applied.plant, plan) == []


def test_unknown_strategy_lists_the_known_ones():
    with pytest.raises(ValueError, match="known: regenerate, stable"):
        get_strategy("magic")


@pytest.mark.parametrize("rule", ALL_RULES)
def test_every_dispatch_rule_gives_a_valid_plan_on_the_demo(rule):
    from solver.input.loading import load_plant

    plant = load_plant(ROOT / "models" / "demo.yaml")
    plan = dispatch(plant, sequence_by(plant, rule))
    assert plan.status == "DISPATCH" and check_plan(plant, plan) == []


def test_sequence_swaps_count_inversions_per_resource():
    def plan(*placed):
        steps = tuple(ScheduledStep(o, 0, "s", r, s, s + 10) for o, r, s in placed)
        return Plan("p", None, None, "HAND", steps, ())

    baseline = plan(("A", "M1", 0), ("B", "M1", 10), ("C", "M1", 20), ("D", "M2", 0))
    swapped = plan(("A", "M1", 20), ("B", "M1", 10), ("C", "M1", 0), ("D", "M2", 5))
    assert sequence_swaps(swapped, baseline) == 3  # every pair on M1 flipped; M2 has one step
    assert sequence_swaps(baseline, baseline) == 0
