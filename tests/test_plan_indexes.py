"""A plan's outcome by order and a reference's baseline steps are indexed once per value:
the indexes must answer as the scans they replace did, and a changed plan gets its own."""

from __future__ import annotations

import dataclasses

import pytest

from solver.domain.plan import Plan
from solver.facts.stability import Reference, stability_units
from solver.input.loading import load_plant
from solver.solve.dispatch import dispatch

DEMO = "models/demo.yaml"


@pytest.fixture(scope="module")
def demo():
    plant = load_plant(DEMO)
    return plant, dispatch(plant)


def test_outcome_by_order_answers_as_a_scan_and_follows_a_replaced_plan(demo):
    _, plan = demo
    for outcome in plan.outcomes:
        assert plan.outcome(outcome.order) == next(
            o for o in plan.outcomes if o.order == outcome.order
        )
    assert plan.outcome("no such order") is None
    first = plan.outcomes[0]
    later = dataclasses.replace(first, completion=(first.completion or 0) + 60)
    # A changed plan is a new value: its index is its own, never the old plan's.
    changed = dataclasses.replace(plan, outcomes=(later, *plan.outcomes[1:]))
    assert plan.outcome(first.order) is first and changed.outcome(first.order) is later
    # Twice the same order (never written by the engine): the first one wins, as before.
    twice = dataclasses.replace(plan, outcomes=(first, later))
    assert twice.outcome(first.order) is first


def test_a_references_steps_leave_out_the_exempt_orders_and_cannot_be_changed(demo):
    plant, plan = demo
    exempt = plan.steps[0].order
    reference = Reference(plan, frozenset({exempt}))
    steps = reference.steps()
    assert set(steps) == {(s.order, s.step_index) for s in plan.steps if s.order != exempt}
    with pytest.raises(TypeError):
        steps[(exempt, 0)] = plan.steps[0]  # shared between calls: read-only
    assert reference.steps() == steps


def test_stability_units_price_a_shift_against_the_indexed_baseline(demo):
    plant, plan = demo
    reference = Reference(plan)
    assert stability_units(plant, plan, reference) == 0
    step = next(s for s in plan.steps if not s.pinned)
    shifted = dataclasses.replace(
        plan,
        steps=tuple(
            dataclasses.replace(s, start=s.start + 10) if s is step else s for s in plan.steps
        ),
    )
    assert stability_units(plant, shifted, reference) > 0
    assert isinstance(shifted, Plan) and stability_units(plant, shifted, Reference(shifted)) == 0
