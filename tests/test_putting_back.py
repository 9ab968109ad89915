"""Moved orders go back to their baseline places where those are free (``solve.putting_back``).

Hand-checkable plants: one-hour orders on M1 (or a pool of two), a baseline laid out by hand
and a re-plan that moved some of them. An order goes back only when every place it returns to
is free, it keeps its limit and the objective (lateness at 1 EUR a minute, stability) does not
rise; the result always passes the checker and states the objective recomputed from it.
"""

from __future__ import annotations

from datetime import timedelta

from solver.domain.plan import OrderOutcome, Plan, ScheduledStep
from solver.facts.checker import check_plan
from solver.facts.kpis import objective_units
from solver.facts.stability import Reference, stability_metrics
from solver.input.loading import load_plant
from solver.rules.ranking import tardiness_weights
from solver.solve.putting_back import put_back
from tests.conftest import base_model, write_model
from tests.cpsat.test_materials import supply_model

T0 = "2026-11-23T"


def _plant(make_plant, dues: dict[str, str], capacity: int = 1, two_steps: bool = False):
    model = base_model()
    model["resources"][0]["capacity"] = capacity
    routing = model["products"][0]["routing"]
    if two_steps:
        routing.append({"id": "s2", "resources": [{"resource": "M2", "setup": "60m"}]})
    order = model["orders"][0]
    model["orders"] = [dict(order, id=o, due=T0 + due) for o, due in dues.items()]
    return make_plant(model)


def _plan(plant, placed: dict[str, list[tuple[str, int]]]) -> Plan:
    """order -> [(resource, start)] of its one-hour steps, in routing order."""
    steps = tuple(
        ScheduledStep(o, i, f"s{i + 1}", r, s, s + 60)
        for o, places in placed.items()
        for i, (r, s) in enumerate(places)
    )
    outcomes = []
    for o, places in placed.items():
        end, due = places[-1][1] + 60, plant.orders[o].due
        outcomes.append(OrderOutcome(o, True, end, due, max(0, end - due)))
    return Plan("tiny", plant.grid.start, timedelta(minutes=1), "HAND", steps, tuple(outcomes))


def _put_back(plant, plan, baseline, limits=None, exclude=()):
    reference = Reference(baseline, frozenset(exclude))
    back = put_back(plant, plan, reference, tardiness_weights(plant), limits)
    assert check_plan(plant, back) == []
    if back is not plan:
        terms = objective_units(plant, back, None, reference)
        assert back.objective_units == sum(terms.values())
    return back


def _starts(plan: Plan) -> dict[str, int]:
    return {s.order: s.start for s in plan.steps if s.step_index == 0}


def test_an_order_moved_for_nothing_goes_back(make_plant):
    plant = _plant(make_plant, {"O1": "12:00", "O2": "12:00", "O3": "12:00"})
    baseline = _plan(plant, {"O1": [("M1", 0)], "O2": [("M1", 60)], "O3": [("M1", 120)]})
    moved = _plan(plant, {"O1": [("M1", 0)], "O2": [("M1", 180)], "O3": [("M1", 120)]})
    back = _put_back(plant, moved, baseline)
    assert _starts(back) == {"O1": 0, "O2": 60, "O3": 120}
    assert stability_metrics(plant, back, baseline).steps_moved == 0


def test_an_order_whose_place_is_taken_stays_where_it_is(make_plant):
    plant = _plant(make_plant, {"O1": "12:00", "O2": "12:00", "R": "02:00"})
    baseline = _plan(plant, {"O1": [("M1", 0)], "O2": [("M1", 60)]})
    # The rush took O2's hour: O2 cannot go back there.
    plan = _plan(plant, {"O1": [("M1", 0)], "R": [("M1", 60)], "O2": [("M1", 120)]})
    back = _put_back(plant, plan, baseline, exclude={"R"})
    assert back is plan


def test_the_changed_orders_never_go_back(make_plant):
    plant = _plant(make_plant, {"O1": "12:00", "R": "12:00"})
    baseline = _plan(plant, {"O1": [("M1", 0)], "R": [("M1", 60)]})
    plan = _plan(plant, {"O1": [("M1", 0)], "R": [("M1", 240)]})
    assert _put_back(plant, plan, baseline, exclude={"R"}) is plan


def test_an_order_that_is_cheaper_where_it_is_stays(make_plant):
    # O2 was an hour late in the baseline; the re-plan moved it into a free earlier hour. Going
    # back would cost 60 EUR of lateness against 0.42 EUR of stability: it stays.
    plant = _plant(make_plant, {"O1": "12:00", "O2": "01:00"})
    baseline = _plan(plant, {"O1": [("M1", 0)], "O2": [("M1", 60)]})
    plan = _plan(plant, {"O1": [("M1", 60)], "O2": [("M1", 0)]})
    back = _put_back(plant, plan, baseline)
    assert _starts(back)["O2"] == 0


def test_an_order_goes_back_only_within_its_limit(make_plant):
    plant = _plant(make_plant, {"O1": "12:00", "O2": "12:00"})
    baseline = _plan(plant, {"O1": [("M1", 0)], "O2": [("M1", 300)]})
    plan = _plan(plant, {"O1": [("M1", 0)], "O2": [("M1", 60)]})
    assert _put_back(plant, plan, baseline, limits={"O2": 200}) is plan
    assert _starts(_put_back(plant, plan, baseline, limits={"O2": 360}))["O2"] == 300


def test_a_pool_takes_an_order_back_while_a_unit_is_free(make_plant):
    dues = {"O1": "12:00", "O2": "12:00", "O3": "12:00", "X": "12:00", "Y": "12:00"}
    plant = _plant(make_plant, dues, capacity=2)
    baseline = _plan(plant, {"O1": [("M1", 0)], "O2": [("M1", 0)], "O3": [("M1", 60)]})
    changed = {"X", "Y"}
    # O3's old hour holds X alone: one unit is free, O3 goes back beside it.
    free = _plan(
        plant,
        {
            "O1": [("M1", 0)],
            "O2": [("M1", 0)],
            "X": [("M1", 60)],
            "Y": [("M1", 180)],
            "O3": [("M1", 120)],
        },
    )
    assert _starts(_put_back(plant, free, baseline, exclude=changed))["O3"] == 60
    # X and Y hold both units in that hour: O3 stays.
    busy = _plan(
        plant,
        {
            "O1": [("M1", 0)],
            "O2": [("M1", 0)],
            "X": [("M1", 60)],
            "Y": [("M1", 60)],
            "O3": [("M1", 120)],
        },
    )
    assert _put_back(plant, busy, baseline, exclude=changed) is busy


def test_a_move_back_frees_the_place_of_another(make_plant):
    # O3 can go back only once O2 has left O3's old hour for its own.
    plant = _plant(make_plant, {"O1": "12:00", "O2": "12:00", "O3": "12:00"})
    baseline = _plan(plant, {"O1": [("M1", 0)], "O2": [("M1", 60)], "O3": [("M1", 120)]})
    plan = _plan(plant, {"O1": [("M1", 0)], "O2": [("M1", 120)], "O3": [("M1", 300)]})
    back = _put_back(plant, plan, baseline)
    assert _starts(back) == {"O1": 0, "O2": 60, "O3": 120}


def test_a_single_step_goes_back_when_the_order_cannot(make_plant):
    # O2's first step moved earlier (into O1's old hour) and its second later; its first
    # step's old hour is taken by the rush, but its second step's old hour on M2 is free and
    # still after its first step: that step goes back.
    plant = _plant(make_plant, {"O1": "12:00", "O2": "12:00", "R": "12:00"}, two_steps=True)
    baseline = _plan(plant, {"O1": [("M1", 0), ("M2", 60)], "O2": [("M1", 60), ("M2", 120)]})
    plan = _plan(
        plant,
        {
            "O1": [("M1", 120), ("M2", 180)],
            "R": [("M1", 60), ("M2", 240)],
            "O2": [("M1", 0), ("M2", 300)],
        },
    )
    back = _put_back(plant, plan, baseline, exclude={"R"})
    o2 = {s.step_index: s.start for s in back.steps if s.order == "O2"}
    assert o2 == {0: 0, 1: 120}


def test_nothing_goes_back_on_a_plant_with_supply(tmp_path):
    # Stock draws and purchases are shared between orders: a move back is not priced alone.
    plant = load_plant(write_model(tmp_path, supply_model()))
    baseline = _plan(plant, {})
    assert put_back(plant, baseline, Reference(baseline), tardiness_weights(plant)) is baseline
