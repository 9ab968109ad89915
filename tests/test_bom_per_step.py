"""Materials drawn per step (issue 18 item 4): a BOM line's ``step`` names the routing step
whose start consumes it; without one, the first step (as before).

Plants run on a 1-minute grid around the clock (``conftest.BASE``), every tardiness weight is
1 and a minute late costs 1 EUR, so every start below is worked out by hand. P runs ``s1`` on
M1 for an hour, then ``s2`` on M2 for an hour, and needs one unit of M per unit; M has no stock
and supplier S delivers it after 3 hours (tick 180).
"""

from __future__ import annotations

import dataclasses

import pytest

from solver.changes.rolling import roll_to
from solver.cli import main
from solver.domain.plan import OrderOutcome
from solver.explain.alone import earliest_alone
from solver.explain.chain import explain_order
from solver.facts.checker import check_plan
from solver.facts.kpis import objective_units
from solver.facts.supply_kpis import waiting_on_material
from solver.rules.ranking import rank_orders
from solver.solve.dispatch import best_dispatch
from solver.solve.lower_bound import lower_bound
from solver.supply import sources
from solver.whatif.binding import binding_cause
from tests.conftest import base_model, solve_checked, write_model

# CP-SAT here: the whole model, deterministic, 2 workers, a fixed seed, a time limit.
CPSAT = {"search": "cpsat", "deterministic": True, "time_limit": 10, "workers": 2, "seed": 0}


def per_step_model(step: str | None = "s2", due: str = "2026-11-23T04:00") -> dict:
    """One order O1 of P (1 unit, due at ``due``); its M is drawn when ``step`` starts (None:
    no ``step`` in the line, the first step)."""
    model = base_model()
    model["settings"].update(max_weight=1, holding_rate=0)
    product = model["products"][0]
    product["routing"] = [
        {"id": "s1", "resources": [{"resource": "M1", "setup": "60m"}]},
        {"id": "s2", "resources": [{"resource": "M2", "setup": "60m"}]},
    ]
    line = {"material": "M", "per_unit": 1}
    if step is not None:
        line["step"] = step
    product["bom"] = [line]
    model["materials"] = [{"id": "M", "unit_cost": 1.0}]
    model["suppliers"] = [
        {"id": "S", "offers": [{"material": "M", "lead_time": "3h", "price": 1.0}]}
    ]
    model["orders"][0]["due"] = due
    return model


def shared_machine_model(step: str | None = "s2") -> dict:
    """``per_step_model`` plus O2 of Q (no material), two hours on M1, due at 02:00 (tick 120).

    O2 must take M1 over [0, 120) to be on time. With M drawn at s2, O1's s1 runs on M1 right
    after O2, [120, 180), and its s2 on M2 the moment M arrives, [180, 240): on time at 04:00;
    the plan costs the 1 EUR of M alone, and no other plan costs as little. Drawn at s1 (the
    default), s1 waits for M: [180, 240), s2 [240, 300), 60 minutes late: 61 EUR.
    """
    model = per_step_model(step)
    model["products"].append(
        {
            "id": "Q",
            "unit_cost": 1.0,
            "routing": [{"id": "q1", "resources": [{"resource": "M1", "setup": "120m"}]}],
        }
    )
    model["orders"].append(dict(model["orders"][0], id="O2", product="Q", due="2026-11-23T02:00"))
    return model


def starts(plan) -> dict[tuple[str, str], int]:
    return {(s.order, s.step): s.start for s in plan.steps}


# (a) The rule binds: a material needed at step 2 holds step 2, not step 1 ------------------


PER_STEP = {("O2", "q1"): 0, ("O1", "s1"): 120, ("O1", "s2"): 180}
AT_FIRST_STEP = {("O2", "q1"): 0, ("O1", "s1"): 180, ("O1", "s2"): 240}


def test_dispatch_runs_step_one_before_the_material_of_step_two_arrives(make_plant):
    plant = make_plant(shared_machine_model("s2"))
    plan = best_dispatch(plant)
    assert check_plan(plant, plan) == []
    assert starts(plan) == PER_STEP
    (supply,) = plan.supplies
    assert (supply.order, supply.material, supply.source, supply.arrival) == ("O1", "M", "S", 180)
    assert sources.draw_starts(plant, plan) == {("O1", "M"): 180}


def test_cpsat_runs_step_one_before_the_material_of_step_two_arrives(make_plant):
    plant = make_plant(shared_machine_model("s2"))
    plan = solve_checked(plant, **CPSAT)
    assert plan.proven_optimal and plan.objective == pytest.approx(1)
    assert starts(plan) == PER_STEP
    assert all(o.tardiness == 0 for o in plan.outcomes)


# (b) Without ``step`` nothing changes: the material holds the first step -----------------


@pytest.mark.parametrize("step", [None, "s1"])
def test_the_default_draws_at_the_first_step_in_dispatch_and_cpsat(make_plant, step):
    plant = make_plant(shared_machine_model(step))
    hint = best_dispatch(plant)
    assert check_plan(plant, hint) == []
    assert starts(hint) == AT_FIRST_STEP
    plan = solve_checked(plant, **CPSAT)
    assert plan.proven_optimal and plan.objective == pytest.approx(61)
    assert starts(plan) == AT_FIRST_STEP
    assert plant.products["P"].draw_index("M") == 0


def test_no_step_and_the_first_step_give_the_same_plans(make_plant):
    default = make_plant(shared_machine_model(None))
    first = make_plant(shared_machine_model("s1"))
    assert best_dispatch(default).steps == best_dispatch(first).steps
    one, two = solve_checked(default, **CPSAT), solve_checked(first, **CPSAT)
    assert (one.steps, one.supplies, one.objective_units) == (
        two.steps,
        two.supplies,
        two.objective_units,
    )


# (c) The checker: a step may not start before the material it draws -----------------------


def _moved_step_two(plan, start: int):
    """The plan with O1's s2 moved to ``start`` (its outcome following), nothing else changed."""
    steps = tuple(
        dataclasses.replace(s, start=start, end=start + 60)
        if (s.order, s.step) == ("O1", "s2")
        else s
        for s in plan.steps
    )
    outcomes = tuple(
        OrderOutcome("O1", True, start + 60, o.due, max(0, start + 60 - o.due))
        if o.order == "O1"
        else o
        for o in plan.outcomes
    )
    return dataclasses.replace(plan, steps=steps, outcomes=outcomes)


def test_checker_rejects_step_two_before_its_purchase_arrives(make_plant):
    plant = make_plant(per_step_model("s2"))
    plan = best_dispatch(plant)
    assert starts(plan) == {("O1", "s1"): 0, ("O1", "s2"): 180}
    assert check_plan(plant, plan) == []
    early = _moved_step_two(plan, 60)  # on time either way: the objective does not change
    violations = check_plan(plant, early)
    assert [(v.kind, v.order) for v in violations] == [("material", "O1")]
    assert "O1 step s2 starts at tick 60, before its M arrives at 180" in violations[0].message


def test_checker_rejects_step_two_drawing_stock_before_its_receipt(make_plant):
    model = per_step_model("s2")
    model["suppliers"] = []
    model["materials"][0]["receipts"] = [{"id": "R1", "quantity": 1, "arrival": "2026-11-23T03:00"}]
    plant = make_plant(model)
    plan = best_dispatch(plant)
    assert starts(plan) == {("O1", "s1"): 0, ("O1", "s2"): 180}
    assert [s.source for s in plan.supplies] == ["stock"]
    assert check_plan(plant, plan) == []
    violations = check_plan(plant, _moved_step_two(plan, 60))
    assert [(v.kind, v.message) for v in violations] == [("stock", "stock of M is -1 at tick 60")]


def test_a_plan_valid_for_step_two_breaks_the_default_rule(make_plant):
    per_step = make_plant(per_step_model("s2"))
    plan = best_dispatch(per_step)
    default = make_plant(per_step_model(None))
    violations = check_plan(default, plan)
    assert [v.kind for v in violations] == ["material"]
    assert "O1 step s1 starts at tick 0, before its M arrives at 180" in violations[0].message


# (d) A step not in the routing is refused at loading --------------------------------------


def test_an_unknown_bom_step_is_exit_2_naming_file_record_and_field(tmp_path, capsys):
    path = write_model(tmp_path, per_step_model("weld"))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert str(path.name) in err and "products 'P'" in err and "bom['M'].step" in err
    assert "unknown step 'weld'" in err and "s1, s2" in err


def test_a_line_per_material_still_and_a_good_step_loads(make_plant, tmp_path, capsys):
    model = per_step_model("s2")
    model["products"][0]["bom"].append({"material": "M", "per_unit": 1})
    path = write_model(tmp_path, model)
    assert main(["validate", str(path)]) == 2
    assert "material listed twice" in capsys.readouterr().err
    plant = make_plant(per_step_model("s2"))
    assert plant.products["P"].bom[0].step == "s2" and plant.products["P"].draw_index("M") == 1


# (e) A started order still draws the material of a later step -----------------------------


def test_an_order_with_step_one_done_still_gets_step_two_material(make_plant):
    model = per_step_model("s2")
    model["wip"] = [{"order": "O1", "step": "s1", "done": True}]
    plant = make_plant(model)
    assert sources.requirements(plant, "O1") == {"M": 1}
    for plan in (best_dispatch(plant), solve_checked(plant, **CPSAT)):
        assert check_plan(plant, plan) == []
        assert starts(plan) == {("O1", "s2"): 180}
        assert [(s.material, s.source, s.arrival) for s in plan.supplies] == [("M", "S", 180)]


def test_an_order_with_step_one_running_still_gets_step_two_material(make_plant):
    model = per_step_model("s2")
    model["wip"] = [{"order": "O1", "step": "s1", "resource": "M1", "start": "2026-11-23T00:00"}]
    plant = make_plant(model)
    assert sources.requirements(plant, "O1") == {"M": 1}
    plan = solve_checked(plant, **CPSAT)
    assert starts(plan) == {("O1", "s1"): 0, ("O1", "s2"): 180}
    assert [s.material for s in plan.supplies] == ["M"]


def test_a_running_drawing_step_and_a_done_first_step_need_nothing(make_plant):
    running = per_step_model("s2")
    running["wip"] = [{"order": "O1", "step": "s2", "resource": "M2", "start": "2026-11-23T00:00"}]
    assert sources.requirements(make_plant(running), "O1") == {}
    default = per_step_model(None)
    default["wip"] = [{"order": "O1", "step": "s1", "done": True}]
    plant = make_plant(default)
    assert sources.requirements(plant, "O1") == {}
    assert best_dispatch(plant).supplies == ()


def test_rolling_takes_stock_off_the_shelf_when_step_two_starts(make_plant):
    model = per_step_model("s2")
    model["materials"][0]["stock"] = 1
    plant = make_plant(model)
    plan = best_dispatch(plant)
    assert starts(plan) == {("O1", "s1"): 0, ("O1", "s2"): 60}
    before = roll_to(plant, plan, 30)  # s1 running, s2 still to draw M
    assert before.materials["M"].stock == 1 and sources.requirements(before, "O1") == {"M": 1}
    after = roll_to(plant, plan, 90)  # s2 running: it drew M at 60
    assert after.materials["M"].stock == 0 and sources.requirements(after, "O1") == {}


# Facts that read the draw: explanations, waiting, the bound and the order alone ------------


def test_explanations_name_the_material_step_two_waited_for(make_plant):
    plant = make_plant(per_step_model("s2", due="2026-11-23T02:00"))
    plan = best_dispatch(plant)
    assert starts(plan) == {("O1", "s1"): 0, ("O1", "s2"): 180}
    explanation = explain_order(plant, plan, "O1")
    last = explanation.chain[0]
    assert (last.step, last.ready, last.start) == ("s2", 60, 180)
    assert [(c.kind, c.material, c.source, c.arrival) for c in last.causes] == [
        ("material", "M", "S", 180)
    ]
    assert explanation.chain[1].cause.kind != "material"
    assert "O1 waits for 1 M from S (standard)" in binding_cause(plant, plan, "O1")
    waits = waiting_on_material(plant, plan)
    assert [(w.order, w.material, w.ready, w.start, w.step) for w in waits] == [
        ("O1", "M", 180, 180, "s2")
    ]


def test_alone_and_the_lower_bound_hold_only_the_drawing_step(make_plant):
    plant = make_plant(per_step_model("s2", due="2026-11-23T02:00"))
    assert earliest_alone(plant, "O1") == 240
    assert sources.material_ready_by_step(plant, "O1") == {1: 180}
    plan = solve_checked(plant, **CPSAT)
    assert plan.proven_optimal and plan.outcome("O1").tardiness == 120
    weights = {r.order: r.weight for r in rank_orders(plant)}
    bound = lower_bound(plant, weights)
    assert bound.alone == objective_units(plant, plan)["tardiness"]
    assert bound.units <= plan.objective_units
    default = make_plant(per_step_model(None, due="2026-11-23T02:00"))
    assert earliest_alone(default, "O1") == 300
