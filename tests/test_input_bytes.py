"""Bytes, keys, numbers and dates of input files: each broken input gives a Problem (file,
record, field, message) and the nearest valid input loads."""

from __future__ import annotations

import hashlib

import pytest
import yaml

from solver.changes.apply import apply_changes
from solver.changes.scenario import ScenarioFile, load_scenario
from solver.domain.errors import DataError
from solver.input.loading import load_plant, read_yaml
from tests.conftest import base_model, write_model
from tests.test_loading import only_problem, problems_of

CSV_HEADER = "id,customer,product,quantity,due,price\n"


def load_problems(path):
    with pytest.raises(DataError) as caught:
        load_plant(path)
    return caught.value.problems


def has(problems, record, field, message):
    return any(
        (p.record, p.field) == (record, field) and message in p.message for p in problems
    ), "\n".join(map(str, problems))


# 1. Bytes: strict UTF-8, a byte order mark accepted.


def test_latin1_yaml_names_line_column_and_byte(tmp_path):
    path = tmp_path / "plant.yaml"
    text = yaml.safe_dump(base_model(), sort_keys=False).replace("name: tiny", "name: Müller")
    path.write_bytes(text.encode("latin-1"))
    (problem,) = load_problems(path)
    assert problem.file == str(path) and problem.record == "line 2"
    assert (
        "byte 0xfc at column 10" in problem.message and "save the file as UTF-8" in problem.message
    )
    path.write_bytes(text.encode("utf-8"))
    assert load_plant(path).name == "Müller"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))  # a BOM, as Windows editors write
    assert load_plant(path).name == "Müller"


def test_latin1_orders_csv_names_the_csv_and_line(tmp_path):
    model = base_model()
    model["orders"] = "orders.csv"
    rows = CSV_HEADER + "O1,C,P,1,2026-11-24,2.0\nO2,C,P,1,2026-11-24,2.0\n"
    csv = tmp_path / "orders.csv"
    csv.write_bytes(rows.replace("O2,C", "Ö2,C").encode("cp1252"))
    problem = only_problem(tmp_path, model)
    assert problem.file == str(csv) and problem.record == "line 3"
    assert "0xd6" in problem.message and "UTF-8" in problem.message
    csv.write_bytes(b"\xef\xbb\xbf" + rows.replace("O2,C", "Ö2,C").encode("utf-8"))
    plant = load_plant(write_model(tmp_path, model))
    assert set(plant.orders) == {"O1", "Ö2"}


def test_latin1_scenario_file(tmp_path):
    write_model(tmp_path, base_model())
    path = tmp_path / "scenario.yaml"
    text = "model: plant.yaml\ndescription: caf\xe9\nchanges: [{kind: cancel_order, order: O1}]\n"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(DataError) as caught:
        load_scenario(path)
    (problem,) = caught.value.problems
    assert (problem.file, problem.record) == (str(path), "line 2") and "UTF-8" in problem.message
    path.write_bytes(text.encode("utf-8"))
    assert load_scenario(path).data.description == "café"


# 2. Duplicate keys, at any depth, all reported at once.


def test_duplicate_keys_at_any_depth_name_both_lines(tmp_path):
    path = tmp_path / "plant.yaml"
    lines = yaml.safe_dump(base_model(), sort_keys=False).splitlines()
    at = lines.index("- id: M1") + 1
    lines[at:at] = ["  capacity: 2", "  capacity: 3"]
    lines += ["settings:", "  time_limit: 3"]
    path.write_text("\n".join(lines) + "\n")
    problems = load_problems(path)
    assert [p.field for p in problems] == ["capacity", "settings"]
    capacity, settings = problems
    assert capacity.message == (
        f"duplicate key 'capacity' at line {at + 2} (first given at line {at + 1}); "
        "give each key once"
    )
    assert capacity.record == f"line {at + 2}" and "(first given at line 6)" in settings.message
    del lines[at + 1]
    del lines[-2:]
    path.write_text("\n".join(lines) + "\n")
    assert load_plant(path).resources["M1"].capacity == 2


def test_yaml_merge_keys_are_not_duplicates(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("base: &b {a: 1, c: 2}\nuse: {<<: *b, a: 3}\n")
    assert read_yaml(path)["use"] == {"a": 3, "c": 2}


# 3. Numbers the time grid and CP-SAT can hold.


@pytest.mark.parametrize(
    ("path", "value", "record", "field", "message"),
    [
        (
            "orders.0.quantity",
            10**12,
            "orders 'O1'",
            "quantity",
            "less than or equal to 1000000000",
        ),
        ("orders.0.price", float("inf"), "orders 'O1'", "price", "finite number"),
        ("orders.0.price", 1e30, "orders 'O1'", "price", "less than or equal to 1000000000"),
        ("settings.time_limit", float("inf"), "settings", "time_limit", "finite number"),
        ("products.0.unit_cost", float("nan"), "products 'P'", "unit_cost", "finite number"),
        (
            "resources.0.capacity",
            10**6,
            "resources 'M1'",
            "capacity",
            "less than or equal to 10000",
        ),
        (
            "products.0.routing.0.resources.0.per_unit",
            "1" + "0" * 30 + "s",
            "products 'P'",
            "routing['s1'].resources['M1'].per_unit",
            "longer than 3650d (ten years)",
        ),
        ("plant.horizon", "99999999w", "plant", "horizon", "longer than 3650d"),
        ("plant.resolution", "0s", "plant", "resolution", "outside 1s..1d"),
        ("plant.resolution", "2d", "plant", "resolution", "outside 1s..1d"),
        ("orders.0.due", "9999-12-31", "orders 'O1'", "due", "give a year from 1900 to 2999"),
    ],
)
def test_numbers_out_of_range(tmp_path, path, value, record, field, message):
    from tests.test_loading import _edit

    problems = problems_of(tmp_path, _edit(base_model(), path, value))
    assert has(problems, record, field, message)


def test_horizon_ticks_are_bounded(tmp_path):
    model = base_model()
    model["plant"].update(resolution="1s", horizon="365d")
    problem = only_problem(tmp_path, model)
    assert (problem.record, problem.field) == ("plant", "")
    assert "31,536,000 ticks" in problem.message and "at most 16,777,216" in problem.message
    model["plant"].update(horizon="28d")
    assert load_plant(write_model(tmp_path, model)).horizon == 28 * 86400


def test_step_ticks_are_bounded(tmp_path):
    model = base_model()
    model["products"][0]["routing"][0]["resources"][0]["per_unit"] = "1h"
    model["orders"][0]["quantity"] = 10**9
    problem = only_problem(tmp_path, model)
    assert (problem.record, problem.field) == ("orders 'O1'", "quantity")
    assert "takes 60,000,000,060 ticks" in problem.message and "16,777,216" in problem.message
    model["orders"][0].update(quantity=1, due="2026-11-23T03:00")
    assert load_plant(write_model(tmp_path, model)).orders["O1"].quantity == 1


def test_order_value_is_bounded_by_the_grid(tmp_path):
    model = base_model()
    model["orders"][0].update(quantity=10**6, price=10**6)  # 10**12 EUR
    problem = only_problem(tmp_path, model)
    assert (problem.record, problem.field) == ("orders 'O1'", "price")
    assert "price x quantity = 1,000,000,000,000 EUR, above 7,818,749,353 EUR" in problem.message
    model["orders"][0].update(quantity=1000, price=10**6)  # 10**9 EUR fits a 1-minute grid
    model["plant"]["horizon"] = "2000d"  # 1000 steps of an hour, well within the horizon
    assert load_plant(write_model(tmp_path, model)).orders["O1"].price == 10**6


def test_tardiness_cost_times_horizon_is_bounded(tmp_path):
    model = base_model()
    model["settings"]["tardiness_cost_per_day"] = 1e12
    problem = only_problem(tmp_path, model)
    assert (problem.record, problem.field) == ("settings", "tardiness_cost_per_day")
    assert "lower tardiness_cost_per_day or max_weight" in problem.message
    model["settings"]["tardiness_cost_per_day"] = 1e6
    assert load_plant(write_model(tmp_path, model)).settings.tardiness_cost_per_day == 1e6


# 4. Dates: before the plan start is an error, after the horizon a warning; years shown.


def test_due_before_plan_start_is_an_error_with_the_year(tmp_path):
    model = base_model()
    model["orders"][0]["due"] = "2025-11-30T00:00"
    problem = only_problem(tmp_path, model)
    assert (problem.record, problem.field) == ("orders 'O1'", "due")
    assert problem.message == (
        "due 2025-11-30 00:00 is before the plan start 2026-11-23 00:00; check the year"
    )
    model["orders"][0]["due"] = "2026-11-23T02:00"
    assert load_plant(write_model(tmp_path, model)).warnings == ()


def test_due_after_horizon_is_a_warning_with_the_year(tmp_path):
    model = base_model()
    model["orders"][0]["due"] = "2027-11-30"
    plant = load_plant(write_model(tmp_path, model))
    (warning,) = plant.warnings
    assert (warning.file, warning.record, warning.field) == (
        str(tmp_path / "plant.yaml"),
        "orders 'O1'",
        "due",
    )
    assert "due 2027-12-01 00:00 is after the horizon end 2026-11-30 00:00" in warning.message
    model["orders"][0]["due"] = "2026-11-29"  # its end is the horizon end
    assert load_plant(write_model(tmp_path, model)).warnings == ()


# 5. Files and their hash.


def test_files_and_input_hash(tmp_path):
    path = write_model(tmp_path, base_model())
    plant = load_plant(path)
    assert plant.files == (str(path),)
    assert plant.input_hash == hashlib.sha256(path.read_bytes()).hexdigest()
    model = base_model()
    model["orders"] = "orders.csv"
    csv = tmp_path / "orders.csv"
    csv.write_text(CSV_HEADER + "O1,C,P,1,2026-11-24,2.0\n")
    path = write_model(tmp_path, model)
    plant = load_plant(path)
    assert plant.files == (str(path), str(csv))
    digest = hashlib.sha256(path.read_bytes() + csv.read_bytes()).hexdigest()
    assert plant.input_hash == digest


# 6. Shapes that used to end in a traceback.


@pytest.mark.parametrize(
    ("text", "record", "message"),
    [
        ("", "file", "is empty"),
        ("- plant\n- orders\n", "file", "not a list"),
        ("plant: " + "[" * 5000 + "]" * 5000 + "\n", "file", "nested too deeply"),
        (
            "plant: {start: 2026-11-23, horizon: 7d}\nresources: {id: M1}\n",
            "resources",
            "not a dict",
        ),
    ],
)
def test_broken_shapes(tmp_path, text, record, message):
    path = tmp_path / "plant.yaml"
    path.write_text(text)
    problems = load_problems(path)
    assert any(p.record == record and message in p.message for p in problems), problems


@pytest.mark.parametrize(
    ("rows", "record", "field", "message"),
    [
        ("", "line 1", "", "has no header row"),
        ("id,client,product,quantity,due,price\n", "line 1", "client", "unknown column 'client'"),
        ("id,customer,product,quantity,due\n", "line 1", "", "missing column(s) price"),
        ("id,id,customer,product,quantity,due,price\n", "line 1", "id", "column given twice"),
        (CSV_HEADER + "O1,C,P,1,2026-11-24,2,5\n", "line 2", "", "7 values but the header"),
        (CSV_HEADER + 'O1,C,P,1,2026-11-24,"2\n', "line 2", "", "check the quotes"),
    ],
)
def test_broken_orders_csv(tmp_path, rows, record, field, message):
    model = base_model()
    model["orders"] = "orders.csv"
    (tmp_path / "orders.csv").write_text(rows)
    problems = problems_of(tmp_path, model)
    assert has(problems, record, field, message)


def test_blank_csv_lines_keep_line_numbers(tmp_path):
    model = base_model()
    model["orders"] = "orders.csv"
    (tmp_path / "orders.csv").write_text(
        CSV_HEADER + "O1,C,P,1,2026-11-24,2\n\nO2,C,P,x,2026-11-24,2\n"
    )
    problem = only_problem(tmp_path, model)
    assert (problem.record, problem.field) == ("orders 'O2' (line 4)", "quantity")


# 3 again, for what-if changes.


def _changes(changes: list) -> list:
    return ScenarioFile.model_validate({"model": "plant.yaml", "changes": changes}).changes


def _apply_problems(plant, changes):
    with pytest.raises(DataError) as caught:
        apply_changes(plant, _changes(changes), 0, "scenario.yaml")
    return caught.value.problems


def test_changes_bounded_like_the_plant(tmp_path):
    model = base_model()
    model["products"][0]["routing"][0]["resources"][0]["per_unit"] = "1h"
    plant = load_plant(write_model(tmp_path, model))
    rush = {"kind": "add_order", "id": "R", "customer": "C", "product": "P", "due": "2026-11-25"}
    problems = _apply_problems(plant, [dict(rush, quantity=10**8, price=1.0)])
    assert has(problems, "changes[0] (add_order)", "quantity", "at most 16,777,216 ticks")
    problems = _apply_problems(plant, [dict(rush, quantity=10**6, price=10**6)])
    assert has(problems, "changes[0] (add_order)", "price", "price x quantity")
    problems = _apply_problems(
        plant, [{"kind": "change_quantity", "order": "O1", "quantity": 10**8}]
    )
    assert has(problems, "changes[0] (change_quantity)", "quantity", "16,777,216 ticks")
    costly = plant.replace(settings=plant.settings.with_overrides(tardiness_cost_per_day=1e12))
    problems = _apply_problems(costly, [{"kind": "cancel_order", "order": "O1"}])
    assert has(problems, "scenario", "settings.tardiness_cost_per_day", "lower")
    applied = apply_changes(plant, _changes([dict(rush, quantity=10, price=1.0)]), 0)
    assert applied.plant.orders["R"].quantity == 10


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            {"kind": "add_order", "id": "R", "quantity": 10**12},
            "quantity",
            "less than or equal to 1000000000",
        ),
        ({"kind": "add_order", "id": "R", "price": float("inf")}, "price", "finite number"),
        (
            {"kind": "receipt_delay", "material": "M", "receipt": "R1", "by": "9" * 20 + "d"},
            "by",
            "longer than 3650d",
        ),
        (
            {"kind": "resource_capacity", "resource": "M1", "capacity": 10**9},
            "capacity",
            "less than or equal to 10000",
        ),
    ],
)
def test_change_fields_bounded(tmp_path, change, field, message):
    from tests.test_input_errors import scenario_problems

    problems = scenario_problems(tmp_path, {"changes": [change]})
    assert any(p.field == field and message in p.message for p in problems), problems
