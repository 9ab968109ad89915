"""Work that pauses over breaks (issue 18 item 1): a step's ``may_pause``.

Plants run on a 1-minute grid from Monday 2026-11-23 00:00 (tick 0) over 7 days
(``conftest.BASE``, horizon 10080), every tardiness weight is 1 (``max_weight: 1``) and a minute
late costs 1 EUR, so every tick below is worked out by hand. M1 works the calendar ``day``,
Monday to Friday 08:00-16:00; its working windows are, in ticks::

    Mon [480, 960)   Tue [1920, 2400)   Wed [3360, 3840)   Thu [4800, 5280)   Fri [6240, 6720)

five windows of 480 ticks, 2400 working ticks in all. M2 works around the clock.

``work_end`` counts working ticks only. 600 ticks of work begun Monday 10:00 (tick 600) do
360 on Monday (600-960) and the other 240 on Tuesday from 08:00: they end Tuesday 12:00,
tick 1920 + 240 = 2160. Begun at 08:00 (tick 480), 600 ticks do 480 on Monday and 120 on
Tuesday: end 2040 (Tuesday 10:00), a span of 1560. Work that needs more than the 2400 working
ticks, or starts outside a window (before 08:00, at 16:00 or at night), has no end: None.
With M1 down on Monday 12:00-13:00 ([720, 780)), 600 ticks from tick 600 do 120 + 180 = 300
on Monday and 300 on Tuesday: end 2220; from 08:00 they do 240 + 180 = 420 on Monday and 180
on Tuesday: end 2100.

A 10-hour step (600 ticks) is longer than M1's longest window (480): without ``may_pause`` it
pauses, with a note. Alone from tick 0, due Monday 20:00 (1200), it runs [480, 2040), late
2040 - 1200 = 840 ticks, 840 EUR; with ``may_pause: false`` the file is refused.

A 2-hour step (120 ticks) fits a window, so it pauses only when its step says
``may_pause: true``. When it cannot start before 15:00 (tick 900), because it is released
then or because O2's 7 hours (420 ticks, due 15:00) take the morning, [480, 900), a pausing
step runs 60 ticks on Monday and 60 on Tuesday: [900, 1980), due 16:00 (960): 1020 late. A
step that may not pause waits for Tuesday's window: [1920, 2040), 1080 late. With O2 the other
way round, O1 [480, 600) first, O2 (420 ticks in one window) could not start before Tuesday,
[1920, 2340), 1440 late: O2 first is the optimum both ways.

Capacity: the 10-hour O1 (due Tuesday 10:00, 2040) and O2, one hour on M1 due Tuesday 09:00
(1980). O1 at 08:00 spans [480, 2040): O2 cannot go inside it (its Tuesday morning hour
[1920, 1980) is inside the span), only after, [2040, 2100): 120 late. O2 first, [480, 540),
then O1 [540, 2100) (420 on Monday, 180 on Tuesday): 60 late, the optimum. Released at
Tuesday 08:00, O2 either takes [1920, 1980) and O1 must start after it, [1980, 3540) (420 on
Tuesday, 180 on Wednesday), 1500 late, or follows O1: [2040, 2100), 120 late, the optimum.

Utilisation of M1 counts work, not span: O1 (10 h) released Monday 12:00 (720) runs
[720, 2280) (240 on Monday, 360 on Tuesday); M1 works 480 + 360 = 840 ticks up to the plan's
end: 600 / 840 = 5/7. The 2-hour pausing step [900, 1980): 120 / (480 + 60) = 2/9. The Gantt
draws O1 [480, 2040) as two bars: Monday [480, 960), 480 minutes, and Tuesday [1920, 2040), 120.

The checker: a pausing step must end at its ``work_end``; O1 at [480, 1080) (start + work, the
night not counted) is a ``duration`` violation, one starting at 0, 960 or 1200 a ``calendar``
one; a step that may not pause at [900, 1020) runs past 16:00: ``calendar``.

A pinned step pauses too (``Plant.pin_end``). Work in progress started Sunday 20:00 (tick
-240) has done 240 ticks by the plan start (the calendar before tick 0 is not known, so that
work is taken as done without breaks); its other 360 run from Monday 08:00: [-240, 840), not
start + duration [-240, 360). Rolled to Monday 10:00 (tick 600), the 10-hour O1 planned at
[480, 2040) is pinned at 480 and still ends at 2040, not at 1080; with O2 (one hour, due
Tuesday 09:00) beside it, O2 cannot take Tuesday 08:00 inside O1's span and runs [2040, 2100).

LNS: in a sub-plant other orders' steps are held downtime. O2 held at [1920, 1980): the freed
O1 may not span it (from Monday 08:00 it would run [480, 2040)), so it starts after it,
[1980, 3540); yet the held hour is no break: ``work_end`` from 480 is still 2040.
"""

from __future__ import annotations

import json
from dataclasses import replace as dataclasses_replace
from datetime import timedelta

import pytest
import yaml

from solver.changes.rolling import roll_to
from solver.changes.scenario import load_scenario
from solver.cli import main
from solver.domain.plan import OrderOutcome, Plan, ScheduledStep
from solver.explain.chain import explain_order
from solver.facts.checker import check_plan
from solver.facts.kpis import compute_kpis, objective_units
from solver.report.gantt import gantt_by_resource
from solver.solve import lns
from solver.solve.dispatch import best_dispatch, dispatch
from solver.solve.lns import merge, sub_plant
from solver.whatif.evaluate import evaluate
from tests.conftest import base_model, record_calls, solve_checked, write_model

# CP-SAT here: the whole model, deterministic, 2 workers, a fixed seed, a time limit.
CPSAT = {"search": "cpsat", "deterministic": True, "time_limit": 10, "workers": 2, "seed": 0}
T0 = "2026-11-23T"  # Monday
T1 = "2026-11-24T"  # Tuesday
DAY = [
    {
        "id": "day",
        "shifts": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "08:00", "end": "16:00"}],
    }
]
WINDOWS = [(480, 960), (1920, 2400), (3360, 3840), (4800, 5280), (6240, 6720)]


def day_model(setup: str = "600m", due: str = T0 + "20:00", may_pause: bool | None = None):
    """O1 of P, one step ``s1`` of ``setup`` on M1 (calendar ``day``), due at ``due``."""
    model = base_model()
    model["settings"].update(max_weight=1, holding_rate=0)
    model["calendars"] = DAY
    model["resources"][0]["calendar"] = "day"
    step = model["products"][0]["routing"][0]
    step["resources"][0]["setup"] = setup
    if may_pause is not None:
        step["may_pause"] = may_pause
    model["orders"][0]["due"] = due
    return model


def add_product(model: dict, pid: str, setup: str, resource: str = "M1") -> None:
    model["products"].append(
        {
            "id": pid,
            "unit_cost": 1.0,
            "routing": [
                {"id": pid.lower() + "1", "resources": [{"resource": resource, "setup": setup}]}
            ],
        }
    )


def add_order(model: dict, oid: str, product: str, due: str, **fields) -> None:
    model["orders"].append(dict(model["orders"][0], id=oid, product=product, due=due, **fields))


def short_model(may_pause: bool | None, forced_by: str) -> dict:
    """O1: two hours on M1 due Monday 16:00, which cannot start before 15:00: it is released
    then (``release``) or O2's seven hours due 15:00 take the morning (``morning``)."""
    model = day_model("120m", T0 + "16:00", may_pause)
    if forced_by == "release":
        model["orders"][0]["release"] = T0 + "15:00"
    else:
        add_product(model, "Q", "420m")
        add_order(model, "O2", "Q", T0 + "15:00")
    return model


def capacity_model(o2_release: str | None = None) -> dict:
    """O1: ten hours on M1 due Tuesday 10:00 (pauses by default); O2: one hour on M1 due
    Tuesday 09:00, released at ``o2_release`` if given."""
    model = day_model("600m", T1 + "10:00")
    add_product(model, "Q", "60m")
    add_order(model, "O2", "Q", T1 + "09:00")
    if o2_release is not None:
        model["orders"][1]["release"] = o2_release
    return model


def placed(plan) -> dict[str, tuple[int, int]]:
    """order -> (start, end) of its single step."""
    return {s.order: (s.start, s.end) for s in plan.steps}


def hand_plan(plant, steps: dict[str, tuple[int, int]]) -> Plan:
    """A plan stating no objective: order -> (start, end) of its single step on M1."""

    def step_id(order: str) -> str:
        return plant.products[plant.orders[order].product].routing[0].id

    scheduled = tuple(ScheduledStep(o, 0, step_id(o), "M1", s, e) for o, (s, e) in steps.items())
    outcomes = tuple(
        OrderOutcome(o, True, e, plant.orders[o].due, max(0, e - plant.orders[o].due))
        for o, (_, e) in steps.items()
    )
    return Plan("tiny", plant.grid.start, timedelta(minutes=1), "HAND", scheduled, outcomes)


def solved(plant, how: str) -> Plan:
    if how == "dispatch":
        plan = best_dispatch(plant)
        violations = check_plan(plant, plan)
        assert violations == [], "\n".join(map(str, violations))
        return plan
    return solve_checked(plant, **CPSAT)


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


# (a) work_end by hand ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "work", "end"),
    [
        (600, 600, 2160),  # Mon 10:00 + 10 h of work: Tue 12:00
        (480, 600, 2040),  # Mon 08:00: Tue 10:00
        (480, 480, 960),  # one whole window, no pause
        (480, 481, 1921),  # one tick more: the first tick of Tuesday
        (959, 1, 960),  # the last working tick of Monday
        (480, 2400, 6720),  # every working tick of the week: Friday 16:00
        (0, 60, None),  # Monday 00:00: before the shift
        (960, 1, None),  # Monday 16:00: the shift has ended
        (1200, 60, None),  # Monday night
        (480, 2401, None),  # more work than the week holds
        (6600, 121, None),  # Friday 14:00: 120 working ticks left in the horizon
    ],
)
def test_work_end_counts_working_ticks_only(make_plant, start, work, end):
    plant = make_plant(day_model())
    assert plant.work_end("M1", start, work) == end


def test_step_end_of_a_pausing_step_and_its_windows(make_plant):
    plant = make_plant(day_model())
    assert plant.pause_windows("M1") == WINDOWS
    assert plant.longest_window("M1") == 480
    (option,) = plant.products["P"].routing[0].options
    assert plant.step_end("O1", 0, option, 480) == 2040
    assert plant.step_end("O1", 0, option, 600) == 2160
    assert plant.step_end("O1", 0, option, 1200) is None


def test_downtime_inside_a_window_is_paused_over(make_plant):
    model = day_model()
    model["resources"][0]["downtime"] = [{"from": T0 + "12:00", "to": T0 + "13:00"}]
    plant = make_plant(model)
    assert plant.work_end("M1", 600, 600) == 2220  # 120 + 180 on Monday, 300 on Tuesday
    assert plant.work_end("M1", 480, 600) == 2100
    assert plant.work_end("M1", 720, 10) is None  # M1 is down then
    assert plant.work_end("M1", 780, 180) == 960  # from 13:00, the rest of Monday
    for how in ("dispatch", "cpsat"):
        assert placed(solved(plant, how)) == {"O1": (480, 2100)}, how


# (b) A step longer than every window pauses, with a note -----------------------------------


def test_a_ten_hour_step_loads_pausing_with_a_note(make_plant):
    plant = make_plant(day_model())
    assert plant.pausing("O1", 0)
    (note,) = plant.warnings
    assert (note.record, note.field) == ("orders 'O1'", "quantity")
    assert "pauses over breaks" in note.message and "10h on M1" in note.message


def test_a_step_that_fits_a_window_neither_pauses_nor_gets_a_note(make_plant):
    plant = make_plant(day_model("480m"))
    assert not plant.pausing("O1", 0)
    assert plant.warnings == ()


def test_whether_a_step_pauses_is_decided_again_on_a_changed_plant(make_plant):
    # ``Plant.pausing`` is cached per plant; a plant with longer work is a new plant.
    short, long = make_plant(day_model("480m")), make_plant(day_model("600m"))
    assert not short.pausing("O1", 0)
    assert short.replace(products=long.products).pausing("O1", 0)
    assert not long.replace(products=short.products).pausing("O1", 0)


def test_may_pause_true_is_a_choice_not_a_note(make_plant):
    plant = make_plant(day_model("600m", may_pause=True))
    assert plant.pausing("O1", 0)
    assert not any("pauses over breaks" in w.message for w in plant.warnings)


@pytest.mark.parametrize("how", ["dispatch", "cpsat"])
def test_a_ten_hour_step_crosses_the_night_and_is_late_by_hand(make_plant, how):
    plant = make_plant(day_model())
    plan = solved(plant, how)
    (step,) = plan.steps
    assert (step.resource, step.start, step.end) == ("M1", 480, 2040)
    assert step.end == plant.work_end("M1", step.start, 600)
    assert step.start < 960 and step.end > 1920  # Monday's window to Tuesday's: the night
    (outcome,) = plan.outcomes
    assert (outcome.completion, outcome.due, outcome.tardiness) == (2040, 1200, 840)
    if how == "cpsat" and plan.proven_optimal:
        assert plan.objective == pytest.approx(840)


# (c) may_pause on a short step --------------------------------------------------------------


@pytest.mark.parametrize("forced_by", ["release", "morning"])
@pytest.mark.parametrize("how", ["dispatch", "cpsat"])
@pytest.mark.parametrize(
    ("may_pause", "o1", "late"),
    [
        (True, (900, 1980), 1020),  # 60 ticks on Monday, 60 on Tuesday
        (False, (1920, 2040), 1080),  # waits for Tuesday's window
        (None, (1920, 2040), 1080),  # fits a window: does not pause
    ],
)
def test_may_pause_lets_a_short_step_start_before_the_end_of_the_shift(
    make_plant, forced_by, how, may_pause, o1, late
):
    plant = make_plant(short_model(may_pause, forced_by))
    assert plant.pausing("O1", 0) is bool(may_pause)
    plan = solved(plant, how)
    where = placed(plan)
    assert where["O1"] == o1
    if forced_by == "morning":
        assert where["O2"] == (480, 900)
    tardiness = {o.order: o.tardiness for o in plan.outcomes}
    assert tardiness["O1"] == late and tardiness.get("O2", 0) == 0
    if how == "cpsat" and plan.proven_optimal:
        assert plan.objective == pytest.approx(late)


# (d) The checker ---------------------------------------------------------------------------


def kinds(plant, steps: dict[str, tuple[int, int]]) -> list[str]:
    return sorted(v.kind for v in check_plan(plant, hand_plan(plant, steps)))


def test_the_checker_takes_a_pausing_step_ending_at_its_work_end(make_plant):
    plant = make_plant(day_model())
    assert kinds(plant, {"O1": (480, 2040)}) == []
    assert kinds(plant, {"O1": (600, 2160)}) == []


def test_the_checker_refuses_a_pausing_step_that_does_not_count_the_break(make_plant):
    plant = make_plant(day_model())
    assert kinds(plant, {"O1": (480, 1080)}) == ["duration"]  # start + work
    assert kinds(plant, {"O1": (480, 2041)}) == ["duration"]  # a tick too long
    (violation,) = check_plan(plant, hand_plan(plant, {"O1": (480, 1080)}))
    assert "needs 1560" in violation.message


@pytest.mark.parametrize("start", [0, 960, 1200])  # before, at the end of, after the shift
def test_the_checker_refuses_a_pausing_step_starting_outside_working_time(make_plant, start):
    plant = make_plant(day_model())
    assert kinds(plant, {"O1": (start, start + 1560)}) == ["calendar"]


def test_the_checker_refuses_a_step_that_may_not_pause_across_the_night(make_plant):
    plant = make_plant(short_model(False, "release"))
    assert kinds(plant, {"O1": (1920, 2040)}) == []  # the control: inside Tuesday's window
    assert kinds(plant, {"O1": (900, 1020)}) == ["calendar"]  # runs past 16:00
    assert kinds(plant, {"O1": (900, 1980)}) == ["calendar", "duration"]  # as if it paused


def test_the_checker_takes_a_short_step_that_may_pause_across_the_night(make_plant):
    plant = make_plant(short_model(True, "release"))
    assert kinds(plant, {"O1": (900, 1980)}) == []
    assert kinds(plant, {"O1": (900, 1020)}) == ["duration"]


# (e) Capacity: nothing inside a paused step's span ------------------------------------------


@pytest.mark.parametrize(
    ("sequence", "o2_release", "expected"),
    [
        (["O1", "O2"], None, {"O1": (480, 2040), "O2": (2040, 2100)}),
        (["O2", "O1"], None, {"O2": (480, 540), "O1": (540, 2100)}),
        (["O2", "O1"], T1 + "08:00", {"O2": (1920, 1980), "O1": (1980, 3540)}),
    ],
)
def test_dispatch_keeps_other_work_out_of_a_paused_span(make_plant, sequence, o2_release, expected):
    plant = make_plant(capacity_model(o2_release))
    plan = dispatch(plant, sequence)
    assert check_plan(plant, plan) == []
    assert placed(plan) == expected


@pytest.mark.parametrize(
    ("o2_release", "expected", "cost"),
    [
        (None, {"O2": (480, 540), "O1": (540, 2100)}, 60),
        (T1 + "08:00", {"O1": (480, 2040), "O2": (2040, 2100)}, 120),
    ],
)
def test_cpsat_keeps_other_work_out_of_a_paused_span(make_plant, o2_release, expected, cost):
    plant = make_plant(capacity_model(o2_release))
    plan = solve_checked(plant, **CPSAT)
    where = placed(plan)
    assert not overlaps(where["O1"], where["O2"])
    assert where == expected
    assert sum(o.tardiness for o in plan.outcomes) == cost
    if plan.proven_optimal:
        assert plan.objective == pytest.approx(cost)


def test_the_checker_refuses_work_inside_a_paused_span(make_plant):
    plant = make_plant(capacity_model())
    assert kinds(plant, {"O1": (480, 2040), "O2": (2040, 2100)}) == []
    assert kinds(plant, {"O2": (480, 540), "O1": (540, 2100)}) == []
    # O1 does no work at night or before 10:00 on Tuesday, yet its span holds M1.
    assert kinds(plant, {"O1": (480, 2040), "O2": (1920, 1980)}) == ["capacity"]


# (f) Utilisation, Gantt ---------------------------------------------------------------------


def released_ten_hours() -> dict:
    """The ten-hour O1, released at Monday 12:00 (tick 720)."""
    model = day_model()
    model["orders"][0]["release"] = T0 + "12:00"
    return model


@pytest.mark.parametrize(
    ("make_model", "o1", "share"),
    [
        (released_ten_hours, (720, 2280), 600 / 840),
        (lambda: short_model(True, "release"), (900, 1980), 120 / 540),
    ],
)
def test_utilisation_counts_a_paused_steps_work_not_its_breaks(make_plant, make_model, o1, share):
    plant = make_plant(make_model())
    plan = best_dispatch(plant)
    assert placed(plan) == {"O1": o1}
    load = compute_kpis(plant, plan).utilisation
    assert load["M1"] == pytest.approx(share)
    assert load["M2"] == 0


def o1_bars(plant, plan) -> list[tuple[str, float]]:
    """(start, length in ms) of every bar whose customdata is O1."""
    figure = gantt_by_resource(plant, plan, "t")
    return sorted(
        (base, length)
        for trace in figure.data
        if trace.type == "bar" and trace.customdata is not None
        for order, base, length in zip(trace.customdata, trace.base, trace.x, strict=True)
        if order == "O1"
    )


def test_the_gantt_draws_a_paused_step_as_one_bar_per_working_segment(make_plant):
    plant = make_plant(day_model())
    plan = best_dispatch(plant)
    minute = 60_000
    assert o1_bars(plant, plan) == [
        ("2026-11-23T08:00:00", 480 * minute),  # Monday's window
        ("2026-11-24T08:00:00", 120 * minute),  # Tuesday 08:00-10:00
    ]


def test_the_gantt_draws_a_step_that_does_not_pause_as_one_bar(make_plant):
    plant = make_plant(short_model(False, "release"))
    plan = best_dispatch(plant)
    assert o1_bars(plant, plan) == [("2026-11-24T08:00:00", 120 * 60_000)]


# (g) A pinned step pauses too -----------------------------------------------------------------


@pytest.mark.parametrize("how", ["dispatch", "cpsat"])
def test_work_in_progress_pauses_from_the_plan_start(make_plant, how):
    model = day_model()
    model["wip"] = [{"order": "O1", "step": "s1", "resource": "M1", "start": "2026-11-22T20:00"}]
    plant = make_plant(model)
    assert not any("pauses over breaks" in w.message for w in plant.warnings)
    (option,) = plant.products["P"].routing[0].options
    assert plant.pin_end("O1", 0) == plant.step_end("O1", 0, option, -240) == 840
    plan = solved(plant, how)
    (step,) = plan.steps
    assert (step.start, step.end, step.pinned) == (-240, 840, True)
    # Ending at start + duration, inside Monday's window, is a duration violation.
    wrong = Plan(**{**plan.__dict__, "steps": (dataclasses_replace(step, end=360),)})
    assert "duration" in {v.kind for v in check_plan(plant, wrong)}


@pytest.mark.parametrize("how", ["dispatch", "cpsat"])
def test_a_step_rolled_to_in_progress_keeps_its_breaks_and_its_resource(make_plant, how):
    plant = make_plant(capacity_model())
    baseline = hand_plan(plant, {"O1": (480, 2040), "O2": (2040, 2100)})
    assert check_plan(plant, baseline) == []
    rolled = roll_to(plant, baseline, 600)  # Monday 10:00: O1 runs, O2 has not started
    assert rolled.pins[("O1", 0)].start == 480 and rolled.pin_end("O1", 0) == 2040
    plan = solved(rolled, how)
    assert placed(plan) == {"O1": (480, 2040), "O2": (2040, 2100)}
    held = next(s for s in plan.steps if s.order == "O1")
    assert held.pinned
    # O2 may not take Tuesday 08:00, inside O1's span; nor may O1 end at start + work.
    inside = Plan(
        **{
            **plan.__dict__,
            "steps": tuple(
                dataclasses_replace(s, start=1920, end=1980) if s.order == "O2" else s
                for s in plan.steps
            ),
        }
    )
    assert "capacity" in {v.kind for v in check_plan(rolled, inside)}
    short = Plan(
        **{
            **plan.__dict__,
            "steps": tuple(
                dataclasses_replace(s, end=1080) if s.order == "O1" else s for s in plan.steps
            ),
        }
    )
    assert "duration" in {v.kind for v in check_plan(rolled, short)}


# (h) A step longer than every window that may not pause is refused ---------------------------


def test_a_long_step_that_may_not_pause_is_refused_naming_record_and_field(tmp_path, capsys):
    path = write_model(tmp_path, day_model(may_pause=False))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert path.name in err and "orders 'O1'" in err and "quantity" in err
    assert "longer than any working window" in err and "may_pause: false" in err
    assert "M1 needs 10h, longest window 8h" in err


def test_the_same_step_without_may_pause_validates(tmp_path, capsys):
    path = write_model(tmp_path, day_model())
    assert main(["validate", str(path)]) == 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert "pauses over breaks" in captured.out + captured.err


# (i) LNS: held steps are not breaks -----------------------------------------------------------


@pytest.mark.parametrize("chosen", [False, True])
def test_an_lns_sub_plant_holds_other_orders_steps_clear_of_pausing_work(make_plant, chosen):
    """O2 fixed at [1920, 1980): O1, freed, may not span it, yet the held hour is no break.

    ``chosen``: the steps say ``may_pause`` (O1 true, O2 false) and the start plan is made by
    hand; otherwise O1 pauses by default and the start plan is dispatched.
    """
    model = capacity_model(T1 + "08:00")
    where = {"O2": (1920, 1980), "O1": (1980, 3540)}
    if chosen:
        model["products"][0]["routing"][0]["may_pause"] = True
        model["products"][1]["routing"][0]["may_pause"] = False
        plant = make_plant(model)
        start = hand_plan(plant, where)
        assert check_plan(plant, start) == []
    else:
        plant = make_plant(model)
        start = dispatch(plant, ["O2", "O1"])
        assert placed(start) == where
    sub = sub_plant(plant, start, {"O1"}).with_settings(**CPSAT)
    assert set(sub.orders) == {"O1"}
    assert list(sub.availability["M1"])[:2] == [(480, 960), (1980, 2400)]  # O2's hour held
    assert sub.pause_windows("M1") == WINDOWS
    assert sub.work_end("M1", 480, 600) == plant.work_end("M1", 480, 600) == 2040
    repaired = dispatch(sub)
    assert placed(repaired) == {"O1": (1980, 3540)}
    solved_sub = solve_checked(sub)
    assert placed(solved_sub) == {"O1": (1980, 3540)}
    for candidate in (repaired, solved_sub):
        merged = merge(start, candidate, {"O1"})
        assert check_plan(plant, merged) == []


def lns_model() -> dict:
    """O1: ten hours on M1 due Monday 09:00 (540), hopeless, and pausing by default; O2, O3,
    O4: an hour on M1 each (product R) due Monday 10:00, 11:00 and 12:00; O5: two hours on M1
    that may pause (product Q) due Monday 14:00 (840).

    Both dispatch rules (earliest due date, least slack) put O1 first: O1 [480, 2040), then
    O2 [2040, 2100), O3 [2100, 2160), O4 [2160, 2220), O5 [2220, 2340): each 1500 late, 7500
    in all. The short orders first cost far less: O2, O3, O4 [480, 660), O5 [660, 780), O1
    [780, 2340) (180 ticks on Monday, 420 on Tuesday), O1 alone late, 1800: the optimum (a
    short order after O1 ends after 2040, over 1200 late, and saves O1 at most its 120).
    Room for LNS, whose neighbourhoods of two orders must place a pausing O1 clear of the held
    orders' steps.
    """
    model = day_model("600m", T0 + "09:00")
    add_product(model, "R", "60m")
    add_product(model, "Q", "120m")
    model["products"][2]["routing"][0]["may_pause"] = True
    for oid, due in (("O2", "10:00"), ("O3", "11:00"), ("O4", "12:00")):
        add_order(model, oid, "R", T0 + due)
    add_order(model, "O5", "Q", T0 + "14:00")
    return model


def test_lns_on_a_plant_with_a_pausing_step_is_valid_and_cheaper(make_plant, monkeypatch):
    plant = make_plant(lns_model()).with_settings(
        search="lns",
        time_limit=3,
        deterministic=True,
        seed=0,
        workers=2,
        lns_orders=2,
        lns_step_limit=1,
    )
    assert plant.pausing("O1", 0) and plant.pausing("O5", 0) and not plant.pausing("O2", 0)
    start = best_dispatch(plant)
    assert check_plan(plant, start) == []
    assert placed(start) == {
        "O1": (480, 2040),
        "O2": (2040, 2100),
        "O3": (2100, 2160),
        "O4": (2160, 2220),
        "O5": (2220, 2340),
    }
    assert sum(o.tardiness for o in start.outcomes) == 7500
    before = sum(objective_units(plant, start).values())
    merged = record_calls(monkeypatch, lns, "merge")
    result = lns.improve(plant, start)
    assert merged  # neighbourhoods were merged back
    for candidate in merged:
        violations = check_plan(plant, candidate)
        assert violations == [], "\n".join(map(str, violations))
    violations = check_plan(plant, result)
    assert violations == [], "\n".join(map(str, violations))
    assert result.objective_units == sum(objective_units(plant, result).values())
    assert result.objective_units < before  # the short orders moved ahead of O1
    assert result.objective >= 1800  # never below the optimum
    where = placed(result)
    assert where["O1"][1] == plant.work_end("M1", where["O1"][0], 600)
    assert not any(overlaps(where["O1"], span) for oid, span in where.items() if oid != "O1")


# (j) A what-if on a plant with a pausing step --------------------------------------------------


def json_places(plan: dict) -> dict[str, tuple[int, int]]:
    return {s["order"]: (s["start"], s["end"]) for s in plan["steps"]}


def test_a_rush_order_whatif_on_a_plant_with_a_pausing_step(tmp_path, capsys):
    """The capacity plant's baseline: O2 [480, 540), O1 [540, 2100). R, an hour on M1 due
    Monday 12:00 (720), on time as asked must go before O1 beside O2: R [540, 600) and O1
    [600, 2160) (360 ticks on Monday, 240 on Tuesday), 60 ticks later than planned: O1 is
    harmed (exit 3). With a date instead, R follows O1: [2100, 2160)."""
    model = capacity_model()
    model["settings"].update(workers=2, seed=0, time_limit=5)
    write_model(tmp_path, model)
    rush = {
        "kind": "add_order",
        "id": "R",
        "customer": "C",
        "product": "Q",
        "quantity": 1,
        "due": T0 + "12:00",
        "price": 100.0,
    }
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump({"model": "plant.yaml", "changes": [rush]}, sort_keys=False))
    out = tmp_path / "answer.json"
    flags = ["--time-limit", "2", "--workers", "2", "--seed", "0"]
    code = main(["whatif", str(path), "--json", str(out), *flags])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert code in (0, 3), captured.out + captured.err  # 1 would be a checker violation
    answer = json.loads(out.read_text())
    assert json_places(answer["baseline"]) == {"O2": (480, 540), "O1": (540, 2100)}
    (outcome,) = answer["outcomes"]
    assert json_places(outcome["plan"]) == {"O2": (480, 540), "R": (540, 600), "O1": (600, 2160)}
    # The same what-if in-process: every plan it proposes passes the checker.
    evaluation = evaluate(load_scenario(path))
    proposals = [o for o in evaluation.outcomes if o.plan is not None]
    assert proposals
    for proposal in proposals:
        violations = check_plan(proposal.plant, proposal.plan)
        assert violations == [], "\n".join(map(str, violations))
        steps = placed(proposal.plan)
        o1 = steps["O1"]
        assert o1[1] == proposal.plant.work_end("M1", o1[0], 600)
        assert not any(overlaps(o1, span) for order, span in steps.items() if order != "O1")


# (k) Explaining a late paused step ------------------------------------------------------------
#
# O2 holds M1 over [480, 540) and O1 waits for it: the wait sets O1's completion, as
# ``earliest_alone`` says (alone, O1 would end earlier). For a step that does not pause the
# binding cause is that wait (step 0); a paused step is no different.


def explained(make_plant, model: dict, where: dict[str, tuple[int, int]]):
    plant = make_plant(model)
    plan = hand_plan(plant, where)
    assert check_plan(plant, plan) == []
    return explain_order(plant, plan, "O1")


def test_explain_names_the_wait_of_a_step_that_does_not_pause(make_plant):
    """O1 seven hours (fits a window) due Monday 15:00: [540, 960) behind O2, 60 late; alone
    it would end at 15:00 (900)."""
    model = day_model("420m", T0 + "15:00")
    add_product(model, "Q", "60m")
    add_order(model, "O2", "Q", T0 + "09:00")
    explanation = explained(make_plant, model, {"O2": (480, 540), "O1": (540, 960)})
    assert (explanation.earliest_alone, explanation.late_alone) == (900, False)
    assert explanation.binding == 0


PAUSED_WAITS = [
    # ten hours behind O2's hour: [540, 2100); alone [480, 2040)
    (capacity_model, {"O2": (480, 540), "O1": (540, 2100)}, 2040),
    # two hours that may pause behind O2's seven: [900, 1980); alone [480, 600)
    (lambda: short_model(True, "morning"), {"O2": (480, 900), "O1": (900, 1980)}, 600),
]


@pytest.mark.parametrize(("make_model", "where", "alone"), PAUSED_WAITS)
def test_explain_knows_a_paused_step_would_end_earlier_alone(make_plant, make_model, where, alone):
    explanation = explained(make_plant, make_model(), where)
    assert (explanation.earliest_alone, explanation.late_alone) == (alone, False)
    assert any(c.kind == "resource" for c in explanation.chain[0].causes)


@pytest.mark.parametrize(("make_model", "where", "alone"), PAUSED_WAITS)
def test_explain_names_the_wait_of_a_paused_step(make_plant, make_model, where, alone):
    explanation = explained(make_plant, make_model(), where)
    assert explanation.binding == 0
