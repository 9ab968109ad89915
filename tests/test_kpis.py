import pytest

from solver.domain.plan import Plan
from solver.facts.checker import check_plan
from solver.facts.kpis import compute_kpis, objective_money, objective_units, utilisation
from solver.input.loading import load_plant
from tests.conftest import ROOT, solve_checked
from tests.cpsat.test_constraints import two_orders_model


def test_kpis_of_a_hand_checkable_plan(make_plant):
    plant = make_plant(two_orders_model())
    plan = solve_checked(plant)
    kpis = compute_kpis(plant, plan)
    assert (kpis.orders_accepted, kpis.late_orders) == (2, 1)
    assert kpis.on_time_rate == 0.5 and kpis.on_time_rate_quantity == 0.5
    assert kpis.total_tardiness_days == pytest.approx(60 / 1440)
    assert kpis.margin == pytest.approx(2.0)
    # M1 busy 0..120 of a 120-minute span; M2 idle.
    assert kpis.utilisation == {"M1": 1.0, "M2": 0.0}
    assert kpis.bottlenecks == ["M1"]


def test_utilisation_counts_only_working_time(make_plant):
    from tests.cpsat.test_constraints import day_shift_model

    model = day_shift_model()
    model["orders"][0]["due"] = "2026-11-24"
    plant = make_plant(model)
    plan = solve_checked(plant)
    # The only step runs 08:00-09:00: 60 busy minutes of 60 working minutes in the span.
    assert utilisation(plant, plan)["M1"] == 1.0


def test_demo_objective_equals_objective_recomputed_from_plan(baseline_of):
    # The demo plan the scenario tests share (`replan plan`, which runs the checker).
    plant = load_plant(ROOT / "models" / "demo.yaml")
    plan = Plan.from_json(baseline_of(ROOT / "models" / "demo.yaml"))
    assert check_plan(plant, plan) == []
    assert sum(objective_units(plant, plan).values()) == plan.objective_units
    assert objective_money(plant, plan) == pytest.approx(plan.terms)
    kpis = compute_kpis(plant, plan)
    assert kpis.bottlenecks[0] == "AOI"
    assert 0 < kpis.on_time_rate <= 1


def test_an_idle_plant_has_no_bottleneck(make_plant):
    from tests.conftest import base_model

    model = base_model()
    model["orders"] = []
    plant = make_plant(model)
    kpis = compute_kpis(plant, solve_checked(plant))
    assert kpis.bottlenecks == [] and kpis.orders_accepted == 0 and kpis.on_time_rate == 1.0
