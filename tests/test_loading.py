"""Each validation rule: a broken file and the message it gives (file, record, field, fix)."""

from __future__ import annotations

import pytest

from solver.domain.errors import DataError
from solver.input.loading import load_plant
from tests.conftest import ROOT, base_model, weekday_calendar, write_model


def problems_of(tmp_path, model, name="plant.yaml"):
    with pytest.raises(DataError) as caught:
        load_plant(write_model(tmp_path, model, name))
    return caught.value.problems


def only_problem(tmp_path, model):
    problems = problems_of(tmp_path, model)
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


def test_demo_model_loads():
    plant = load_plant(ROOT / "models" / "demo.yaml")
    assert len(plant.orders) == 40 and len(plant.resources) == 8 and len(plant.products) == 6
    assert {c.tier for c in plant.customers.values()} == {"A", "B", "C"}
    assert len(plant.pins) == 2


def test_unknown_references_name_record_field_and_choices(tmp_path):
    model = base_model()
    model["orders"][0]["customer"] = "NOPE"
    model["orders"][0]["product"] = "Q"
    model["products"][0]["routing"][0]["resources"][0]["resource"] = "M9"
    model["resources"][0]["calendar"] = "nights"
    found = {(p.record, p.field): p.message for p in problems_of(tmp_path, model)}
    assert "unknown customer 'NOPE'; known: C" in found[("orders 'O1'", "customer")]
    assert "unknown product 'Q'; known: P" in found[("orders 'O1'", "product")]
    assert (
        "unknown resource 'M9'; known: M1, M2"
        in found[("products 'P'", "routing['s1'].resources['M9'].resource")]
    )
    assert "unknown calendar 'nights'" in found[("resources 'M1'", "calendar")]


def test_duplicate_ids(tmp_path):
    model = base_model()
    model["orders"].append(dict(model["orders"][0]))
    problem = only_problem(tmp_path, model)
    assert (problem.record, problem.field) == ("orders 'O1'", "id")
    assert "duplicate id 'O1'" in problem.message


@pytest.mark.parametrize("quantity", [0, -5])
def test_non_positive_quantity(tmp_path, quantity):
    model = base_model()
    model["orders"][0]["quantity"] = quantity
    problem = only_problem(tmp_path, model)
    assert (problem.record, problem.field) == ("orders 'O1'", "quantity")
    assert "greater than 0" in problem.message and str(quantity) in problem.message


def test_due_before_release(tmp_path):
    model = base_model()
    model["orders"][0]["release"] = "2026-11-24T08:00"
    model["orders"][0]["due"] = "2026-11-24T06:00"
    problem = only_problem(tmp_path, model)
    assert (problem.record, problem.field) == ("orders 'O1'", "due")
    assert "not after release" in problem.message


def test_unparseable_date_and_duration(tmp_path):
    model = base_model()
    model["orders"][0]["due"] = "next tuesday"
    model["products"][0]["routing"][0]["resources"][0]["setup"] = "60"
    found = {(p.record, p.field): p.message for p in problems_of(tmp_path, model)}
    assert "cannot read date 'next tuesday'" in found[("orders 'O1'", "due")]
    assert (
        "give a duration with a unit"
        in found[("products 'P'", "routing['s1'].resources['M1'].setup")]
    )


def test_step_that_no_resource_can_do(tmp_path):
    model = base_model()
    model["resources"][0]["downtime"] = [{"from": "2026-11-01", "to": "2026-12-31"}]
    problems = problems_of(tmp_path, model)
    assert any(
        p.record == "products 'P'" and "no resource can do step 's1'" in p.message for p in problems
    )


def test_step_longer_than_every_window(tmp_path):
    model = base_model()
    model["calendars"] = [weekday_calendar()]
    model["resources"][0]["calendar"] = "day"
    model["products"][0]["routing"][0]["resources"][0]["setup"] = "9h"
    model["products"][0]["routing"][0]["may_pause"] = False
    problem = only_problem(tmp_path, model)
    assert (problem.record, problem.field) == ("orders 'O1'", "quantity")
    assert "longer than any working window" in problem.message
    assert "M1 needs 9h, longest window 8h" in problem.message
    assert "may_pause: false" in problem.message


def test_a_step_longer_than_every_window_pauses_with_a_note(tmp_path):
    """Without ``may_pause`` the step pauses over the night instead of being refused."""
    model = base_model()
    model["calendars"] = [weekday_calendar()]
    model["resources"][0]["calendar"] = "day"
    model["products"][0]["routing"][0]["resources"][0]["setup"] = "9h"
    model["orders"][0]["due"] = "2026-11-25T00:00"
    plant = load_plant(write_model(tmp_path, model))
    assert plant.pausing("O1", 0)
    (note,) = plant.warnings
    assert (note.record, note.field) == ("orders 'O1'", "quantity")
    assert "pauses over breaks" in note.message and "9h on M1" in note.message


def test_horizon_too_short_for_one_order(tmp_path):
    model = base_model()
    model["plant"]["horizon"] = "1d"
    model["products"][0]["routing"][0]["resources"][0]["setup"] = "20h"
    model["orders"][0]["release"] = "2026-11-23T06:00"
    model["orders"][0]["due"] = "2026-11-24"
    problem = only_problem(tmp_path, model)
    assert (problem.record, problem.field) == ("plant", "horizon")
    assert "'O1' cannot be finished within the horizon (1d)" in problem.message


def test_horizon_too_short_for_the_load_on_a_resource(tmp_path):
    model = base_model()
    model["plant"]["horizon"] = "1d"
    model["products"][0]["routing"][0]["resources"][0]["setup"] = "10h"
    model["orders"] += [dict(model["orders"][0], id=f"O{n}") for n in (2, 3)]
    problem = only_problem(tmp_path, model)
    assert (problem.record, problem.field) == ("plant", "horizon")
    assert "firm orders need 1d 6h on 'M1', which has only 1d" in problem.message


def test_all_problems_are_reported_together(tmp_path):
    model = base_model()
    model["orders"][0]["quantity"] = 0
    model["orders"].append(dict(model["orders"][0], id="O2", quantity=1, customer="X"))
    model["customers"][0]["tier"] = "Z"
    problems = problems_of(tmp_path, model)
    assert {(p.record, p.field) for p in problems} == {
        ("orders 'O1'", "quantity"),
        ("orders 'O2'", "customer"),
        ("customers 'C'", "tier"),
    }


def test_unknown_field_is_a_typo_not_silently_dropped(tmp_path):
    model = base_model()
    model["orders"][0]["qty"] = 5
    problem = only_problem(tmp_path, model)
    assert (problem.field, problem.message) == (
        "qty",
        "unknown field; check the spelling (see `replan schema`)",
    )


def test_unknown_tier_lists_valid_tiers(tmp_path):
    model = base_model()
    model["customers"][0]["tier"] = "Gold"
    problem = only_problem(tmp_path, model)
    assert "unknown tier 'Gold'; valid tiers: A, B, C" in problem.message


def test_numeric_tiers_from_settings(make_plant):
    model = base_model()
    model["settings"]["tiers"] = {1: 1.0, 2: 0.5}
    model["customers"][0]["tier"] = 2
    assert make_plant(model).customers["C"].tier == "2"


def test_orders_csv_errors_name_the_csv_file_and_line(tmp_path):
    model = base_model()
    model["orders"] = "orders.csv"
    (tmp_path / "orders.csv").write_text(
        "id,customer,product,quantity,due,price\n"
        "O1,C,P,3,2026-11-24,2.0\n"
        "O2,C,P,three,2026-11-24,2.0\n"
    )
    problem = only_problem(tmp_path, model)
    assert problem.file.endswith("orders.csv")
    assert (problem.record, problem.field) == ("orders 'O2' (line 3)", "quantity")


def test_missing_orders_csv(tmp_path):
    model = base_model()
    model["orders"] = "missing.csv"
    problem = only_problem(tmp_path, model)
    assert problem.file.endswith("missing.csv") and "cannot read orders CSV" in problem.message


def test_wip_rules(tmp_path):
    model = base_model()
    model["wip"] = [{"order": "O1", "step": "s1", "resource": "M2", "start": "2026-11-23T01:00"}]
    found = {p.field: p.message for p in problems_of(tmp_path, model)}
    assert "'M2' cannot do step 's1'; eligible: M1" in found["resource"]
    assert "after the plan start" in found["start"]


def test_wip_beyond_capacity(tmp_path):
    model = base_model()
    model["orders"].append(dict(model["orders"][0], id="O2"))
    model["wip"] = [
        {"order": o, "step": "s1", "resource": "M1", "start": "2026-11-22T23:30"}
        for o in ("O1", "O2")
    ]
    problem = only_problem(tmp_path, model)
    assert "2 steps in progress at once on 'M1'" in problem.message


def test_wip_beyond_what_partial_downtime_leaves(tmp_path):
    model = base_model()
    model["resources"][0].update(
        capacity=2,
        downtime=[{"from": "2026-11-23T00:00", "to": "2026-11-23T04:00", "units": 1}],
    )
    model["orders"].append(dict(model["orders"][0], id="O2"))
    model["wip"] = [
        {"order": o, "step": "s1", "resource": "M1", "start": "2026-11-22T23:30"}
        for o in ("O1", "O2")
    ]
    problem = only_problem(tmp_path, model)
    assert "capacity is 2 with 1 units down" in problem.message
    model["resources"][0]["downtime"] = []
    load_plant(write_model(tmp_path, model))  # the same two fit a pool of 2 with nothing down


def test_overlapping_partial_downtime_beyond_capacity(tmp_path):
    model = base_model()
    window = {"from": "2026-11-23T00:00", "to": "2026-11-23T04:00", "units": 2}
    model["resources"][0].update(capacity=3, downtime=[window, dict(window, units=1)])
    load_plant(write_model(tmp_path, model))  # 3 of 3 down at once is allowed
    model["resources"][0]["downtime"].append(dict(window, units=1, to="2026-11-23T01:00"))
    problem = only_problem(tmp_path, model)
    assert (problem.record, problem.field) == ("resources 'M1'", "downtime")
    assert "take 4 units down" in problem.message and "capacity is 3" in problem.message


def test_broken_yaml_names_the_line(tmp_path):
    path = tmp_path / "plant.yaml"
    path.write_text("plant:\n  start: [unclosed\n")
    with pytest.raises(DataError) as caught:
        load_plant(path)
    problem = caught.value.problems[0]
    assert problem.record.startswith("line ") and "not valid YAML" in problem.message


def test_settings_from_file_then_overrides(make_plant, tmp_path):
    model = base_model()
    model["settings"]["time_limit"] = 3
    assert make_plant(model).settings.time_limit == 3
    plant = load_plant(write_model(tmp_path, model), {"time_limit": 7, "workers": None})
    assert plant.settings.time_limit == 7


def test_bad_setting_is_reported(tmp_path):
    model = base_model()
    model["settings"]["workers"] = 0
    problem = only_problem(tmp_path, model)
    assert (problem.record, problem.field) == ("settings", "workers")


def test_calendar_windows_exclude_nights_weekends_holidays_and_downtime(make_plant):
    model = base_model()
    model["plant"]["horizon"] = "14d"
    model["calendars"] = [
        {
            "id": "day",
            "holidays": ["2026-11-25"],
            "shifts": [
                {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "08:00", "end": "16:00"}
            ],
        }
    ]
    model["resources"][0]["calendar"] = "day"
    model["resources"][0]["downtime"] = [{"from": "2026-11-24T10:00", "to": "2026-11-24T12:00"}]
    windows = make_plant(model).availability["M1"]
    hours = [(s / 60, e / 60) for s, e in windows[:4]]
    # Mon 8-16; Tue 8-10 and 12-16; Wed is a holiday; Thu 8-16.
    assert hours == [(8, 16), (32, 34), (36, 40), (80, 88)]
    assert len(windows) == 10  # two weeks of weekdays less the holiday, Tuesday split in two


def test_night_shift_crosses_midnight(make_plant):
    model = base_model()
    model["calendars"] = [
        {"id": "night", "shifts": [{"days": ["mon"], "start": "22:00", "end": "06:00"}]}
    ]
    model["resources"][0]["calendar"] = "night"
    model["orders"][0]["due"] = "2026-11-25"
    assert make_plant(model).availability["M1"] == ((22 * 60, 30 * 60),)


def _edit(model: dict, path: str, value) -> dict:
    """Set ``model[a][b]...`` for a path like ``orders.0.status``; ``+key`` appends to a list."""
    *parents, last = path.split(".")
    node = model
    for key in parents:
        node = node[int(key)] if key.isdigit() else node.setdefault(key, {})
    if last.startswith("+"):
        node.setdefault(last[1:], []).append(value)
    else:
        node[int(last) if last.isdigit() else last] = value
    return model


@pytest.mark.parametrize(
    ("path", "value", "record", "field", "message"),
    [
        (
            "resources.0.downtime",
            [{"from": "2026-11-24", "to": "2026-11-23"}],
            "resources 'M1'",
            "downtime[0].to",
            "at or before it starts",
        ),
        (
            "resources.0.downtime",
            [{"from": "2026-11-24", "to": "2026-11-25", "units": 2}],
            "resources 'M1'",
            "downtime[0].units",
            "2 units down but capacity is 1",
        ),
        (
            "calendars",
            [
                {
                    "id": "k",
                    "shifts": [{"days": ["mon"], "start": "08:00", "end": "16:00"}],
                    "closures": [{"from": "2026-11-25", "to": "2026-11-24"}],
                }
            ],
            "calendars 'k'",
            "closures[0].to",
            "at or before it starts",
        ),
        (
            "calendars",
            [{"id": "k", "shifts": [{"days": ["monday"], "start": "08:00", "end": "16:00"}]}],
            "calendars 'k'",
            "shifts[0].days[0]",
            "'mon', 'tue'",
        ),
        (
            "products.0.+routing",
            {"id": "s1", "resources": [{"resource": "M2", "setup": "1h"}]},
            "products 'P'",
            "routing['s1'].id",
            "duplicate step id",
        ),
        (
            "products.0.routing.0.+resources",
            {"resource": "M1", "setup": "1h"},
            "products 'P'",
            "routing['s1'].resources['M1']",
            "resource listed twice",
        ),
        (
            "products.0.routing.0.resources",
            [{"resource": "M1"}],
            "products 'P'",
            "routing['s1'].resources['M1']",
            "takes no time",
        ),
        ("orders.0.release", "2026-12-31", "orders 'O1'", "release", "at or after the horizon end"),
        ("orders.0.status", "maybe", "orders 'O1'", "status", "'firm', 'proposed' or 'forecast'"),
        (
            "wip",
            [{"order": "O9", "step": "s1", "resource": "M1", "start": "2026-11-22"}],
            "wip 'O9/s1'",
            "order",
            "unknown order 'O9'; known: O1",
        ),
        (
            "wip",
            [{"order": "O1", "step": "paint", "resource": "M1", "start": "2026-11-22"}],
            "wip 'O1/paint'",
            "step",
            "product 'P' has no step 'paint'; steps: s1",
        ),
        ("plant.resolution", "fast", "plant", "resolution", "cannot read duration 'fast'"),
        ("products.0.unit_cost", -1, "products 'P'", "unit_cost", "greater than or equal to 0"),
        ("resources.0.capacity", 0, "resources 'M1'", "capacity", "greater than or equal to 1"),
        ("orders.0.price", -2, "orders 'O1'", "price", "greater than or equal to 0"),
        (
            "customers.0.credit_limit",
            -1,
            "customers 'C'",
            "credit_limit",
            "greater than or equal to 0",
        ),
        (
            "calendars",
            [
                {
                    "id": "k",
                    "holidays": ["Xmas"],
                    "shifts": [{"days": ["mon"], "start": "08:00", "end": "16:00"}],
                }
            ],
            "calendars 'k'",
            "holidays[0]",
            "cannot read date 'Xmas'",
        ),
        (
            "calendars",
            [{"id": "k", "shifts": [{"days": ["mon"], "start": "8 am", "end": "16:00"}]}],
            "calendars 'k'",
            "shifts[0].start",
            "give 'HH:MM'",
        ),
        ("plant.horizon", None, "plant", "horizon", "no value; give a duration"),
        (
            "products.0.routing.0.min_lag",
            "-1h",
            "products 'P'",
            "routing['s1'].min_lag",
            "cannot read duration '-1h'",
        ),
    ],
)
def test_more_rules_each_with_its_message(tmp_path, path, value, record, field, message):
    problems = problems_of(tmp_path, _edit(base_model(), path, value))
    assert any((p.record, p.field) == (record, field) and message in p.message for p in problems), (
        "\n".join(map(str, problems))
    )


def test_work_in_progress_on_a_proposed_order(tmp_path):
    model = _edit(base_model(), "orders.0.status", "proposed")
    model["wip"] = [{"order": "O1", "step": "s1", "resource": "M1", "start": "2026-11-22T23:30"}]
    problem = only_problem(tmp_path, model)
    assert "is proposed but has work in progress" in problem.message


def test_unknown_and_missing_sections(tmp_path):
    model = base_model()
    del model["plant"]
    model["machines"] = []
    found = {p.record: p.message for p in problems_of(tmp_path, model)}
    assert "unknown section" in found["machines"] and "missing section" in found["plant"]


def test_may_pause_must_be_true_or_false(tmp_path):
    model = base_model()
    model["products"][0]["routing"][0]["may_pause"] = "sometimes"
    problem = only_problem(tmp_path, model)
    assert (problem.record, problem.field) == ("products 'P'", "routing['s1'].may_pause")
    assert "valid boolean" in problem.message and "sometimes" in problem.message


def test_a_capacity_group_below_zero_is_refused(tmp_path):
    model = base_model()
    model["products"][0]["bom"] = [{"material": "A", "per_unit": 1}]
    model["materials"] = [{"id": "A", "unit_cost": 1}, {"id": "B", "unit_cost": 1}]
    offers = [{"material": m, "lead_time": "1d", "price": 1} for m in ("A", "B")]
    group = {"id": "g", "materials": ["A", "B"], "capacity": -5}
    model["suppliers"] = [{"id": "S", "offers": offers, "capacity_groups": [group]}]
    problem = only_problem(tmp_path, model)
    assert (problem.record, problem.field) == ("suppliers 'S'", "capacity_groups['g'].capacity")
    assert "greater than or equal to 0" in problem.message
