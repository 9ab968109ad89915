"""Constraint families 1, 2, 3 and 6 on tiny plants whose answers are known by hand.

The tiny plant (tests/conftest.py) starts Monday 00:00 on a 1-minute grid; with
``max_weight: 1`` every order weighs 1 and ``tardiness_cost_per_day: 1440`` makes one minute
late cost exactly 1 EUR, so a proven-optimal objective in EUR is the minutes late.
Each family has a case that must hold, one that must be penalised, and a hand-broken plan that
the independent checker must reject.
"""

from __future__ import annotations

import dataclasses

from solver.facts.checker import check_plan
from tests.conftest import base_model, solve_checked


def unit_weights(model: dict) -> dict:
    model["settings"]["max_weight"] = 1
    return model


def with_step(plan, order, index=0, **changes):
    steps = tuple(
        dataclasses.replace(s, **changes) if (s.order, s.step_index) == (order, index) else s
        for s in plan.steps
    )
    return dataclasses.replace(plan, steps=steps)


def kinds(plant, plan):
    return {v.kind for v in check_plan(plant, plan)}


# --- Family 1: assignment to one eligible resource --------------------------------------


def two_option_model(m1: str, m2: str, due: str) -> dict:
    model = unit_weights(base_model())
    model["products"][0]["routing"][0]["resources"] = [
        {"resource": "M1", "setup": m1},
        {"resource": "M2", "setup": m2},
    ]
    model["orders"][0]["due"] = due
    return model


def test_assignment_picks_the_alternative_that_is_on_time(make_plant):
    plant = make_plant(two_option_model("120m", "60m", "2026-11-23T01:00"))
    plan = solve_checked(plant)
    assert plan.proven_optimal and plan.objective == 0
    (step,) = plan.steps
    assert (step.resource, step.start, step.end) == ("M2", 0, 60)


def test_assignment_penalises_when_no_alternative_is_on_time(make_plant):
    plant = make_plant(two_option_model("120m", "120m", "2026-11-23T01:00"))
    plan = solve_checked(plant)
    assert plan.proven_optimal and plan.objective == 60.0  # 60 minutes late, 1 EUR each


def test_checker_rejects_an_ineligible_resource_and_a_short_step(make_plant):
    plant = make_plant(base_model())
    plan = solve_checked(plant)
    assert "eligibility" in kinds(plant, with_step(plan, "O1", resource="M2"))
    assert "duration" in kinds(plant, with_step(plan, "O1", end=plan.steps[0].end - 1))


# --- Family 2: routing with minimum lags, and release dates ------------------------------


def routing_model(due: str) -> dict:
    model = unit_weights(base_model())
    model["products"][0]["routing"] = [
        {"id": "s1", "resources": [{"resource": "M1", "setup": "60m"}], "min_lag": "30m"},
        {"id": "s2", "resources": [{"resource": "M2", "setup": "60m"}]},
    ]
    model["orders"][0]["due"] = due
    return model


def test_routing_respects_order_and_lag(make_plant):
    plant = make_plant(routing_model("2026-11-23T02:30"))
    plan = solve_checked(plant)
    first, second = plan.steps_of("O1")
    assert second.start >= first.end + 30
    assert plan.outcome("O1").completion == 150 and plan.objective == 0


def test_routing_lag_makes_a_tight_order_late_by_exactly_the_lag(make_plant):
    plant = make_plant(routing_model("2026-11-23T02:00"))
    plan = solve_checked(plant)
    assert plan.proven_optimal and plan.objective == 30.0


def test_checker_rejects_a_step_inside_the_lag(make_plant):
    plant = make_plant(routing_model("2026-11-23T02:30"))
    plan = solve_checked(plant)
    broken = with_step(plan, "O1", 1, start=70, end=130)
    assert "precedence" in kinds(plant, broken)


def test_release_date_holds_and_costs(make_plant):
    model = unit_weights(base_model())
    model["orders"][0].update(release="2026-11-23T05:00", due="2026-11-23T05:30")
    plant = make_plant(model)
    plan = solve_checked(plant)
    assert plan.steps[0].start == 300 and plan.objective == 30.0
    assert "release" in kinds(plant, with_step(plan, "O1", start=200, end=260))


# --- Family 3: capacity, calendars and downtime ------------------------------------------


def two_orders_model(capacity: int = 1) -> dict:
    model = unit_weights(base_model())
    model["resources"][0]["capacity"] = capacity
    model["orders"][0]["due"] = "2026-11-23T01:00"
    model["orders"].append(dict(model["orders"][0], id="O2"))
    return model


def test_machine_runs_one_step_at_a_time(make_plant):
    plant = make_plant(two_orders_model())
    plan = solve_checked(plant)
    assert plan.proven_optimal and plan.objective == 60.0
    assert sorted(s.start for s in plan.steps) == [0, 60]


def test_pool_of_two_runs_both_at_once(make_plant):
    plan = solve_checked(make_plant(two_orders_model(capacity=2)))
    assert plan.proven_optimal and plan.objective == 0


def test_partial_pool_downtime_takes_units_away(make_plant):
    model = two_orders_model(capacity=2)
    model["resources"][0]["downtime"] = [
        {"from": "2026-11-23T00:00", "to": "2026-11-23T02:00", "units": 1}
    ]
    plan = solve_checked(make_plant(model))
    assert plan.proven_optimal and plan.objective == 60.0


def pool_of_three_two_down() -> dict:
    """A pool of 3 with 2 units down for 10 hours: one unit is left for two 1-hour orders."""
    model = two_orders_model(capacity=3)
    model["resources"][0]["downtime"] = [
        {"from": "2026-11-23T00:00", "to": "2026-11-23T10:00", "units": 2}
    ]
    return model


def test_pool_downtime_is_judged_by_demand_not_by_count(make_plant):
    # Two steps and one downtime interval are 3 intervals on a pool of 3: a count test skips the
    # Cumulative, though the downtime alone takes 2 units.
    plan = solve_checked(make_plant(pool_of_three_two_down()))
    assert plan.proven_optimal and plan.objective == 60.0
    assert sorted((s.start, s.end) for s in plan.steps) == [(0, 60), (60, 120)]


def test_checker_rejects_a_pool_overloaded_through_its_downtime(make_plant):
    plant = make_plant(pool_of_three_two_down())
    plan = solve_checked(plant)
    both_at_once = with_step(with_step(plan, "O1", start=0, end=60), "O2", start=0, end=60)
    assert "capacity" in kinds(plant, both_at_once)


def test_dispatch_gives_overlapping_partial_downtimes_their_own_units(make_plant):
    from solver.solve.dispatch import best_dispatch

    model = two_orders_model(capacity=3)
    model["resources"][0]["downtime"] = [
        {"from": "2026-11-23T00:00", "to": "2026-11-23T10:00", "units": 2},
        {"from": "2026-11-23T00:00", "to": "2026-11-23T10:00", "units": 1},
    ]
    plant = make_plant(model)
    hint = best_dispatch(plant)
    assert check_plan(plant, hint) == []
    assert min(s.start for s in hint.steps) >= 600


def test_checker_rejects_overlap_on_a_machine(make_plant):
    plant = make_plant(two_orders_model())
    plan = solve_checked(plant)
    broken = with_step(plan, "O2", start=0, end=60)
    broken = with_step(broken, "O1", start=0, end=60)
    assert "capacity" in kinds(plant, broken)


def day_shift_model() -> dict:
    model = unit_weights(base_model())
    model["calendars"] = [
        {
            "id": "day",
            "shifts": [
                {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "08:00", "end": "16:00"}
            ],
        }
    ]
    model["resources"][0]["calendar"] = "day"
    return model


def test_calendar_steps_start_in_shift_and_never_cross_the_end(make_plant):
    model = day_shift_model()
    model["products"][0]["routing"][0]["resources"][0]["setup"] = "7h"
    model["orders"][0].update(release="2026-11-23T10:00", due="2026-11-24T23:00")
    plan = solve_checked(make_plant(model))
    # Monday 10:00 + 7h would cross 16:00, so the step runs Tuesday 08:00-15:00.
    assert (plan.steps[0].start, plan.steps[0].end) == ((24 + 8) * 60, (24 + 15) * 60)


def test_calendar_penalises_an_order_due_before_the_shift(make_plant):
    model = day_shift_model()
    model["orders"][0]["due"] = "2026-11-23T08:30"
    plan = solve_checked(make_plant(model))
    assert plan.proven_optimal and plan.objective == 30.0


def test_checker_rejects_a_step_across_the_shift_end(make_plant):
    model = day_shift_model()
    plant = make_plant(model)
    plan = solve_checked(plant)
    assert "calendar" in kinds(plant, with_step(plan, "O1", start=15 * 60 + 30, end=16 * 60 + 30))


def test_downtime_pushes_work_after_it(make_plant):
    model = unit_weights(base_model())
    model["resources"][0]["downtime"] = [{"from": "2026-11-23T00:00", "to": "2026-11-23T03:00"}]
    plant = make_plant(model)
    plan = solve_checked(plant)
    assert plan.steps[0].start == 180 and plan.objective == 120.0
    assert "calendar" in kinds(plant, with_step(plan, "O1", start=60, end=120))


# --- Family 6: pinned work in progress ---------------------------------------------------


def pinned_model() -> dict:
    model = two_orders_model()
    model["wip"] = [{"order": "O1", "step": "s1", "resource": "M1", "start": "2026-11-22T23:30"}]
    return model


def test_work_in_progress_keeps_its_place(make_plant):
    plan = solve_checked(make_plant(pinned_model()))
    pinned = plan.steps_of("O1")[0]
    assert (pinned.resource, pinned.start, pinned.end, pinned.pinned) == ("M1", -30, 30, True)
    # O2 waits for the pinned step: 30..90, 30 minutes late; O1 is on time.
    assert plan.steps_of("O2")[0].start == 30
    assert plan.proven_optimal and plan.objective == 30.0


def test_checker_rejects_a_moved_pin(make_plant):
    plant = make_plant(pinned_model())
    plan = solve_checked(plant)
    assert "pin" in kinds(plant, with_step(plan, "O1", start=90, end=150, pinned=False))
