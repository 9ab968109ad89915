"""The checker cannot be fooled: pins, the plan header, the objective and malformed plans.

Each rule: a valid plan passes, and a hand-broken one gives the expected violation (or, for
files, a DataError naming the file, record and field). Plants are the tiny ones of
tests/conftest.py (Monday 00:00, 1-minute grid, one 60-minute step on M1).
"""

from __future__ import annotations

import dataclasses
import json
import math

import pytest

from solver.domain.errors import DataError
from solver.domain.plan import OrderOutcome, Plan, Purchase, ScheduledStep, Supply
from solver.domain.plant import Pin
from solver.facts.checker import check_plan, states_objective
from solver.facts.kpis import with_objective
from solver.facts.stability import Reference
from solver.input.plan_file import load_plan, read_plan
from solver.rules.costs import units_per_currency
from solver.solve.dispatch import dispatch
from tests.conftest import base_model, solve_checked
from tests.cpsat.test_materials import supply_model

FAST = {"time_limit": 5, "workers": 2, "seed": 0}


def solved(plant) -> Plan:
    return solve_checked(plant, **FAST)


def kinds(plant, plan, **context) -> set[str]:
    return {v.kind for v in check_plan(plant, plan, **context)}


def with_step(plan: Plan, order: str, index: int = 0, **changes) -> Plan:
    steps = tuple(
        dataclasses.replace(s, **changes) if (s.order, s.step_index) == (order, index) else s
        for s in plan.steps
    )
    return dataclasses.replace(plan, steps=steps)


def day_shift_model() -> dict:
    """M1 works Mon-Fri 08:00-16:00; O1 (60 min) due Tuesday."""
    model = base_model()
    model["settings"]["max_weight"] = 1
    model["calendars"] = [
        {
            "id": "day",
            "shifts": [
                {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "08:00", "end": "16:00"}
            ],
        }
    ]
    model["resources"][0]["calendar"] = "day"
    model["orders"][0]["due"] = "2026-11-24T23:00"
    return model


def two_orders_model() -> dict:
    model = base_model()
    model["settings"]["max_weight"] = 1
    order = model["orders"][0]
    model["orders"] = [dict(order, id="O1"), dict(order, id="O2", due="2026-11-23T04:00")]
    return model


def write_plan(tmp_path, data, name: str = "plan.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data, indent=1))
    return path


def problem_of(excinfo) -> tuple[str, str, str]:
    (problem,) = excinfo.value.problems
    return problem.record, problem.field, problem.message


# --- Pins ------------------------------------------------------------------------------


def test_work_in_progress_outside_the_shifts_passes(make_plant):
    model = day_shift_model()
    # Started Sunday 23:30, outside every shift: the plant says it runs, so it does.
    model["wip"] = [{"order": "O1", "step": "s1", "resource": "M1", "start": "2026-11-22T23:30"}]
    plant = make_plant(model)
    plan = solved(plant)
    (step,) = plan.steps
    assert (step.start, step.end, step.pinned) == (-30, 30, True)
    assert check_plan(plant, plan) == []
    # The same step, pinned by the plan alone, on the same plant without the WIP.
    del model["wip"]
    other = make_plant(model)
    faked = dataclasses.replace(
        plan, outcomes=tuple(dataclasses.replace(o, completion=30) for o in plan.outcomes)
    )
    assert {"calendar", "pin", "horizon"} <= kinds(other, faked)


def test_a_fake_pin_across_the_shift_end_is_judged_like_any_step(make_plant):
    plant = make_plant(day_shift_model())
    plan = solved(plant)
    faked = with_step(plan, "O1", start=15 * 60 + 30, end=16 * 60 + 30, pinned=True)
    violations = check_plan(plant, faked)
    assert {"calendar", "pin"} <= {v.kind for v in violations}
    (pin,) = [v for v in violations if v.kind == "pin"]
    assert "no work in progress" in pin.message and pin.order == "O1"


def test_a_fake_pin_before_the_release_breaks_the_release(make_plant):
    model = base_model()
    model["orders"][0].update(release="2026-11-23T10:00", due="2026-11-23T23:00")
    plant = make_plant(model)
    plan = solved(plant)
    assert plan.steps[0].start >= 600
    assert {"release", "pin"} <= kinds(plant, with_step(plan, "O1", start=0, end=60, pinned=True))


def test_a_pin_flag_off_the_plants_pin_is_a_violation(make_plant):
    model = two_orders_model()
    model["wip"] = [{"order": "O1", "step": "s1", "resource": "M1", "start": "2026-11-22T23:30"}]
    plant = make_plant(model)
    plan = solved(plant)
    assert check_plan(plant, plan) == []
    # O2 marked pinned where it runs: the plant pins only O1.
    assert kinds(plant, with_step(plan, "O2", pinned=True)) == {"pin"}


def test_pins_the_caller_allows_are_legitimate(make_plant):
    plant = make_plant(two_orders_model())
    plan = solved(plant)
    step = plan.steps_of("O1")[0]
    frozen = with_step(plan, "O1", pinned=True)
    assert kinds(plant, frozen) == {"pin"}
    allowed = {("O1", 0): Pin("O1", 0, step.resource, step.start)}
    assert check_plan(plant, frozen, allowed_pins=allowed) == []
    elsewhere = {("O1", 0): Pin("O1", 0, step.resource, step.start + 5)}
    assert kinds(plant, frozen, allowed_pins=elsewhere) == {"pin"}


# --- Header ----------------------------------------------------------------------------


def test_a_plan_file_for_this_plant_loads(make_plant, tmp_path):
    plant = make_plant(base_model())
    plan = solved(plant)
    plan.to_json(tmp_path / "plan.json")
    loaded = load_plan(tmp_path / "plan.json", plant)
    assert loaded.steps == plan.steps and loaded.outcomes == plan.outcomes
    assert loaded.terms == plan.terms and loaded.objective_units == plan.objective_units
    assert check_plan(plant, loaded) == []


@pytest.mark.parametrize(
    ("header", "value", "field"),
    [
        ("name", "other", "plant"),
        ("start", "2026-11-22T00:00", "start"),
        ("resolution", "2m", "resolution_seconds"),
    ],
)
def test_a_plan_made_for_another_plant_start_or_grid_is_bad_input(
    make_plant, tmp_path, header, value, field
):
    plan = solved(make_plant(base_model()))
    plan.to_json(tmp_path / "plan.json")
    model = base_model()
    model["plant"][header] = value
    other = make_plant(model)
    with pytest.raises(DataError) as excinfo:
        load_plan(tmp_path / "plan.json", other)
    record, got_field, message = problem_of(excinfo)
    assert (record, got_field) == ("plan", field)
    assert "another plant or start" in message
    assert str(tmp_path / "plan.json") == excinfo.value.problems[0].file


def test_the_header_message_names_both_values(make_plant, tmp_path):
    plan = solved(make_plant(base_model()))
    plan.to_json(tmp_path / "plan.json")
    model = base_model()
    model["plant"]["name"] = "other"
    with pytest.raises(DataError) as excinfo:
        load_plan(tmp_path / "plan.json", make_plant(model))
    _, _, message = problem_of(excinfo)
    assert "'tiny'" in message and "'other'" in message


# --- Objective -------------------------------------------------------------------------


def late_plant(make_plant):
    """Two orders due at 01:00 and 04:00 on one machine: someone is late, terms are non-zero."""
    model = two_orders_model()
    model["orders"][0]["due"] = "2026-11-23T00:30"
    return make_plant(model)


def test_the_solvers_objective_is_the_recomputed_one(make_plant):
    plant = late_plant(make_plant)
    plan = solved(plant)
    assert plan.objective > 0 and check_plan(plant, plan) == []


@pytest.mark.parametrize(
    "doctor",
    [
        lambda p: dataclasses.replace(p, objective_units=p.objective_units - 1),
        lambda p: dataclasses.replace(p, objective=p.objective - 1),
        lambda p: dataclasses.replace(p, terms={**p.terms, "tardiness": p.terms["tardiness"] / 2}),
        lambda p: dataclasses.replace(
            p, terms={k: v for k, v in p.terms.items() if k != "declined"}
        ),
        lambda p: dataclasses.replace(p, terms={**p.terms, "bonus": -5.0}),
        lambda p: dataclasses.replace(p, terms={**p.terms, "tardiness": math.nan}),
    ],
    ids=["units", "money", "term", "missing-term", "extra-term", "nan-term"],
)
def test_a_doctored_objective_is_a_violation(make_plant, doctor):
    plant = late_plant(make_plant)
    plan = solved(plant)
    assert kinds(plant, doctor(plan)) == {"objective"}


def test_a_plan_lying_about_its_lateness_is_caught_twice(make_plant):
    plant = late_plant(make_plant)
    plan = solved(plant)
    on_time = tuple(dataclasses.replace(o, tardiness=0) for o in plan.outcomes)
    lied = dataclasses.replace(
        plan,
        outcomes=on_time,
        objective=0.0,
        objective_units=0,
        terms=dict.fromkeys(plan.terms, 0.0),
    )
    assert kinds(plant, lied) == {"outcome"}  # its terms now agree with its (false) outcomes
    assert "objective" in kinds(plant, dataclasses.replace(plan, outcomes=on_time))


def test_a_plan_stating_no_objective_has_none_to_check(make_plant):
    plant = late_plant(make_plant)
    plan = dispatch(plant)
    assert not states_objective(plan) and check_plan(plant, plan) == []
    assert check_plan(plant, with_objective(plant, plan)) == []


def moved_plan(make_plant):
    """A baseline with O1 at 0, and a proposal that moves it 30 minutes later."""
    plant = make_plant(two_orders_model())
    baseline = solved(plant)
    step = baseline.steps_of("O1")[0]
    other = baseline.steps_of("O2")[0]
    moved = with_step(baseline, "O1", start=other.end + 30, end=other.end + 90)
    end = other.end + 90
    outcomes = tuple(
        dataclasses.replace(o, completion=end, tardiness=max(0, end - o.due))
        if o.order == "O1"
        else o
        for o in moved.outcomes
    )
    moved = dataclasses.replace(moved, outcomes=outcomes)
    assert step.start != moved.steps_of("O1")[0].start
    reference = Reference(baseline)
    return plant, with_objective(plant, moved, reference), reference


def test_stability_is_checked_against_the_reference(make_plant):
    plant, plan, reference = moved_plan(make_plant)
    assert plan.terms["stability"] > 0
    assert check_plan(plant, plan, reference=reference) == []
    assert check_plan(plant, plan) == []
    scale = units_per_currency(plant)
    half = round(plan.terms["stability"] * scale) // 2
    units = plan.objective_units - half
    doctored = dataclasses.replace(
        plan,
        terms={**plan.terms, "stability": plan.terms["stability"] - half / scale},
        objective_units=units,
        objective=units / scale,
    )
    assert kinds(plant, doctored, reference=reference) == {"objective"}
    # Without the reference only the stability term is taken as stated (see check_plan).
    assert check_plan(plant, doctored) == []
    assert kinds(plant, dataclasses.replace(doctored, objective_units=plan.objective_units)) == {
        "objective"
    }


def test_without_a_reference_stability_must_still_be_whole_non_negative_units(make_plant):
    plant, plan, _ = moved_plan(make_plant)
    negative = dataclasses.replace(
        plan,
        terms={**plan.terms, "stability": -1.0},
        objective=plan.objective - plan.terms["stability"] - 1.0,
    )
    assert kinds(plant, negative) == {"objective"}


def test_with_a_reference_a_plan_must_state_its_stability(make_plant):
    plant, plan, reference = moved_plan(make_plant)
    scale = units_per_currency(plant)
    stability = round(plan.terms["stability"] * scale)
    dropped = dataclasses.replace(
        plan,
        terms={k: v for k, v in plan.terms.items() if k != "stability"},
        objective_units=plan.objective_units - stability,
        objective=(plan.objective_units - stability) / scale,
    )
    assert check_plan(plant, dropped) == []
    violations = check_plan(plant, dropped, reference=reference)
    assert [v.kind for v in violations] and {v.kind for v in violations} == {"objective"}
    assert any("no stability term" in v.message for v in violations)


def test_a_fake_pin_cannot_dodge_the_stability_cost(make_plant):
    plant, plan, reference = moved_plan(make_plant)
    dodged = with_step(plan, "O1", pinned=True)
    dodged = with_objective(plant, dodged, reference)  # the plan's own arithmetic skips pins
    assert dodged.terms["stability"] == 0
    assert {"pin", "objective"} <= kinds(plant, dodged, reference=reference)


# --- Plan content the plant does not know: violations, never exceptions -----------------


def test_an_outcome_for_an_unknown_order_is_a_violation(make_plant):
    plant = make_plant(base_model())
    plan = solved(plant)
    for extra in (
        OrderOutcome("SO-1", True, 60, 120, 0),
        OrderOutcome("SO-1", False, None, 120, 0),
        OrderOutcome("SO-1", True, None, 120, 0, from_stock=True),
    ):
        bad = dataclasses.replace(plan, outcomes=(*plan.outcomes, extra))
        violations = check_plan(plant, bad)
        assert "unknown" in {v.kind for v in violations}
        assert any(v.order == "SO-1" for v in violations)


def test_a_missing_or_repeated_outcome_is_a_violation(make_plant):
    plant = make_plant(two_orders_model())
    plan = solved(plant)
    assert "outcome" in kinds(plant, dataclasses.replace(plan, outcomes=plan.outcomes[:1]))
    doubled = dataclasses.replace(plan, outcomes=(*plan.outcomes, plan.outcomes[0]))
    assert "outcome" in kinds(plant, doubled)


def test_a_step_on_an_unknown_resource_is_a_violation(make_plant):
    plant = make_plant(base_model())
    plan = solved(plant)
    violations = check_plan(plant, with_step(plan, "O1", resource="LASER"))
    assert "unknown" in {v.kind for v in violations}
    assert any(v.resource == "LASER" for v in violations)


def test_a_step_index_out_of_range_is_a_violation(make_plant):
    plant = make_plant(base_model())
    plan = solved(plant)
    for index in (1, 7, -1):
        assert "routing" in kinds(plant, with_step(plan, "O1", step_index=index))


def test_a_repeated_step_is_a_violation(make_plant):
    plant = make_plant(base_model())
    plan = solved(plant)
    doubled = dataclasses.replace(plan, steps=plan.steps * 2)
    assert {"routing", "capacity"} <= kinds(plant, doubled)


def test_steps_of_an_unknown_order_are_a_violation(make_plant):
    plant = make_plant(base_model())
    plan = solved(plant)
    ghost = ScheduledStep("GHOST", 0, "s1", "M1", 300, 360)
    assert "unknown" in kinds(plant, dataclasses.replace(plan, steps=(*plan.steps, ghost)))


@pytest.mark.parametrize(("start", "end"), [(-60, 0), (10**11, 10**11 + 60), (60, 0)])
def test_negative_huge_or_reversed_ticks_are_violations(make_plant, start, end):
    plant = make_plant(base_model())
    plan = solved(plant)
    found = kinds(plant, with_step(plan, "O1", start=start, end=end))
    assert found & {"horizon", "duration", "calendar"}


def test_unknown_suppliers_materials_and_modes_are_violations(make_plant):
    plant = make_plant(supply_model())
    plan = solved(plant)
    assert plan.supplies and plan.purchases
    supply = plan.supplies[0]
    purchase = plan.purchases[0]
    cases = [
        dataclasses.replace(plan, supplies=(dataclasses.replace(supply, source="ACME"),)),
        dataclasses.replace(plan, supplies=(dataclasses.replace(supply, material="GOLD"),)),
        dataclasses.replace(plan, supplies=(dataclasses.replace(supply, mode="teleport"),)),
        dataclasses.replace(
            plan,
            supplies=(*plan.supplies, Supply("GHOST", "M", 1, "stock")),
        ),
        dataclasses.replace(plan, supplies=(Supply(supply.order, "GOLD", 1, "stock"),)),
        dataclasses.replace(plan, purchases=(dataclasses.replace(purchase, supplier="ACME"),)),
        dataclasses.replace(plan, purchases=(dataclasses.replace(purchase, material="GOLD"),)),
        dataclasses.replace(plan, purchases=(dataclasses.replace(purchase, mode="teleport"),)),
        dataclasses.replace(plan, purchases=(dataclasses.replace(purchase, orders=("GHOST",)),)),
        dataclasses.replace(
            plan, purchases=(*plan.purchases, Purchase("S", "M", "standard", 5, 0, 0, 5.0, ()))
        ),
    ]
    for case in cases:
        violations = check_plan(plant, case)  # never raises
        assert violations, case


# --- Plan files: malformed input is a DataError naming file, record and field -----------


@pytest.fixture
def plan_data(make_plant):
    plant = make_plant(two_orders_model())
    return plant, json.loads(json.dumps(solved(plant).to_dict()))


def load_error(tmp_path, data) -> tuple[str, str, str]:
    path = write_plan(tmp_path, data)
    with pytest.raises(DataError) as excinfo:
        read_plan(path)
    assert all(p.file == str(path) for p in excinfo.value.problems)
    return problem_of(excinfo)


@pytest.mark.parametrize(
    ("where", "value", "field", "words"),
    [
        (("steps", 0, "start"), "60", "start", "whole number"),
        (("steps", 0, "start"), 60.0, "start", "whole number"),
        (("steps", 0, "start"), 1.5, "start", "whole number"),
        (("steps", 0, "step_index"), True, "step_index", "whole number"),
        (("steps", 0, "start"), 10**15, "start", "less than or equal"),
        (("steps", 0, "step_index"), -1, "step_index", "greater than or equal"),
        (("steps", 0, "pinned"), 1, "pinned", "true or false"),
        (("steps", 0, "order"), 7, "order", "a string"),
        (("objective_units",), "12", "objective_units", "whole number"),
        (("resolution_seconds",), 0, "resolution_seconds", "greater than"),
        (("resolution_seconds",), True, "resolution_seconds", "a number"),
        (("start",), "yesterday", "start", "ISO datetime"),
        (("terms", "tardiness"), "1", "terms['tardiness']", "a number"),
        (("stats", "x"), [1], "stats", "statistic"),
        (("steps",), {}, "steps", "JSON list"),
    ],
)
def test_schema_violations_name_record_and_field(tmp_path, plan_data, where, value, field, words):
    _, data = plan_data
    node = data
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    record, got_field, message = load_error(tmp_path, data)
    assert got_field == field
    assert record == ("steps[0]" if where[0] == "steps" and len(where) > 2 else "plan")
    assert words in message


def test_outcome_records_are_named_by_order(tmp_path, plan_data):
    _, data = plan_data
    index = next(i for i, o in enumerate(data["outcomes"]) if o["order"] == "O2")
    data["outcomes"][index]["tardiness"] = -5
    assert load_error(tmp_path, data)[:2] == ("outcomes['O2']", "tardiness")


@pytest.mark.parametrize(
    ("where", "field"),
    [(("steps", 0), "resource"), ((), "outcomes"), ((), "terms"), ((), "objective_units")],
)
def test_missing_fields(tmp_path, plan_data, where, field):
    _, data = plan_data
    node = data
    for key in where:
        node = node[key]
    del node[field]
    record, got_field, message = load_error(tmp_path, data)
    assert got_field == field and "missing" in message


def test_an_unknown_field_is_refused(tmp_path, plan_data):
    _, data = plan_data
    data["steps"][0]["pined"] = True
    assert load_error(tmp_path, data)[:2] == ("steps[0]", "pined")


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_nan_and_infinity_are_refused(tmp_path, plan_data, token):
    _, data = plan_data
    data["objective"] = "@@"
    text = json.dumps(data).replace('"@@"', token)
    path = tmp_path / "plan.json"
    path.write_text(text)
    with pytest.raises(DataError) as excinfo:
        read_plan(path)
    record, field, message = problem_of(excinfo)
    assert (record, field) == ("plan", "objective") and "finite number" in message


def test_non_utf8_bytes_are_refused_with_their_place(tmp_path, plan_data):
    _, data = plan_data
    raw = json.dumps(data, indent=1).encode().replace(b'"O1"', b'"O\xff1"', 1)
    path = tmp_path / "plan.json"
    path.write_bytes(raw)
    with pytest.raises(DataError) as excinfo:
        read_plan(path)
    record, _, message = problem_of(excinfo)
    assert record.startswith("line ") and "column" in record and "UTF-8" in message


def test_a_truncated_file_says_where_it_ends(tmp_path, plan_data):
    _, data = plan_data
    text = json.dumps(data, indent=1)
    path = tmp_path / "plan.json"
    path.write_text(text[: len(text) // 2])
    with pytest.raises(DataError) as excinfo:
        read_plan(path)
    record, _, message = problem_of(excinfo)
    assert record.startswith("line ") and "not valid JSON" in message


@pytest.mark.parametrize("content", ["", "[]", "42", "null", '"plan"'])
def test_a_file_that_is_no_json_object_is_refused(tmp_path, content):
    path = tmp_path / "plan.json"
    path.write_text(content)
    with pytest.raises(DataError) as excinfo:
        read_plan(path)
    assert excinfo.value.problems[0].file == str(path)


def test_a_missing_file_or_a_directory_is_refused(tmp_path):
    for path, words in ((tmp_path / "absent.json", "cannot read"), (tmp_path, "directory")):
        with pytest.raises(DataError) as excinfo:
            read_plan(path)
        assert words in problem_of(excinfo)[2]


def test_plan_from_json_reads_through_the_schema(tmp_path, plan_data):
    _, data = plan_data
    data["steps"][0]["start"] = "soon"
    with pytest.raises(DataError):
        Plan.from_json(write_plan(tmp_path, data))
    with pytest.raises(DataError):
        Plan.from_dict(data)


def test_a_plan_file_naming_unknown_things_loads_and_fails_the_check(tmp_path, plan_data):
    plant, data = plan_data
    data["outcomes"].append(
        {"order": "SO-1", "accepted": True, "completion": 60, "due": 0, "tardiness": 60}
    )
    data["steps"].append(dict(data["steps"][0], resource="LASER"))
    data["steps"].append(dict(data["steps"][0], step_index=9))
    plan = load_plan(write_plan(tmp_path, data), plant)
    assert {"unknown", "routing"} <= kinds(plant, plan)
