"""benchmarks/core.py on ft06 (6 jobs x 6 machines, optimal makespan 55): the plant the
benchmark writes loads, and both replan's CP-SAT search and the textbook model find a plan with
no late order, which is an optimal schedule of the instance."""

from __future__ import annotations

from benchmarks.core import load, load_instances, plant_data, textbook
from solver.facts.checker import check_plan
from solver.solve.search import plan as solve_plan


def ft06() -> dict:
    return load_instances()["ft06"]


def test_ft06_plant_loads_one_order_per_job_due_at_the_optimum():
    instance = ft06()
    assert plant_data(instance)["plant"]["resolution"] == "1m"
    plant = load(instance)
    assert len(plant.orders) == 6 and len(plant.resources) == 6
    assert {o.due for o in plant.orders.values()} == {55}
    assert {o.release for o in plant.orders.values()} == {0}
    assert plant.horizon == sum(map(sum, instance["duration_matrix"]))
    first = plant.products["J00"].routing[0].options
    assert [(o.resource, plant.duration("J00", o)) for o in first] == [("M02", 1)]


def test_replan_plans_ft06_on_time_with_makespan_55():
    plant = load(ft06()).with_settings(
        workers=2, seed=0, time_limit=10, search="cpsat", deterministic=True
    )
    plan = solve_plan(plant)
    assert check_plan(plant, plan) == []
    assert all(o.accepted and o.tardiness == 0 for o in plan.outcomes)
    assert max(s.end for s in plan.steps) == 55
    assert plan.stats["presolve"] == "full"  # presolve: auto on a deterministic job shop


def test_textbook_model_reaches_zero_tardiness_on_ft06():
    result = textbook(ft06(), seed=0, workers=2, limit=10)
    assert result["no_late"] and result["tardiness"] == 0
    assert result["makespan"] == 55
