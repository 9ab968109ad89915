"""The Python API (``solver.api``): the README's example runs; paths, YAML text and dicts give
the same plant; bad input names ``<string>``, ``<dict>`` or ``<arguments>`` and the field;
``check`` sees a tampered plan; ``whatif`` gives verdicts; nothing passed in is changed."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import io
import json
import re
import subprocess
import sys

import pytest
import yaml

import solver
from solver import DataError, Plan, check, load_plant, plan, whatif
from solver.whatif.evaluate import ACCEPT, ACCEPT_AS_ASKED, ACCEPT_WITH_DATE, IMPACT, REJECT
from tests.conftest import ROOT, base_model
from tests.test_whatif import baseline_file, plant_model, rush

VERDICTS = (ACCEPT, ACCEPT_AS_ASKED, ACCEPT_WITH_DATE, REJECT, IMPACT)
FAST = {"time_limit": 5, "workers": 1, "seed": 0, "deterministic": True}


def readme_example() -> str:
    """The ```python block of the README's "## Python API" section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    found = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert found, "the README's Python API section has no ```python block"
    return found.group(1)


def problems(call, *args, **kwargs) -> list:
    with pytest.raises(DataError) as caught:
        call(*args, **kwargs)
    return caught.value.problems


def where(problem) -> tuple[str, str, str]:
    return (problem.file, problem.record, problem.field)


# The README example -----------------------------------------------------------------------


def test_the_readme_example_runs(monkeypatch):
    monkeypatch.chdir(ROOT)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(readme_example(), "README.md (Python API)", "exec"), {})
    lines = out.getvalue().splitlines()
    assert lines[0] == f"replan {solver.__version__}"
    verdicts = [line.split(": ")[1] for line in lines[2:]]
    assert len(verdicts) == 3 and all(v in VERDICTS for v in verdicts), lines


def test_version_is_what_replan_version_prints():
    printed = subprocess.run(
        [sys.executable, "-m", "solver.cli", "--version"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    assert printed.split()[:2] == ["replan", solver.__version__]


def test_the_package_exports_the_api():
    from solver import api

    assert (solver.load_plant, solver.plan, solver.whatif, solver.check) == (
        api.load_plant,
        api.plan,
        api.whatif,
        api.check,
    )
    assert all(hasattr(solver, name) for name in solver.__all__)


# Loading: paths, YAML text, dicts -----------------------------------------------------------


def test_a_path_yaml_text_and_a_dict_give_the_same_plant():
    path = ROOT / "models" / "demo.yaml"
    text = path.read_text(encoding="utf-8")
    from_path = load_plant(path)
    from_str_path = load_plant(str(path))
    from_text = load_plant(text, base_dir=ROOT / "models")
    from_dict = load_plant(yaml.safe_load(text), base_dir=ROOT / "models")
    # The same bytes (plant file and orders CSV) hash alike, however they are given.
    assert from_path.input_hash == from_str_path.input_hash == from_text.input_hash
    for other in (from_text, from_dict):
        assert other.orders == from_path.orders and len(other.orders) == 40
        assert other.resources == from_path.resources
        assert other.products == from_path.products
        assert other.pins == from_path.pins
        assert other.settings == from_path.settings
    assert (from_path.source, from_text.source, from_dict.source) == (
        str(path),
        "<string>",
        "<dict>",
    )


def test_an_orders_csv_named_by_text_is_relative_to_the_current_directory(monkeypatch):
    text = (ROOT / "models" / "demo.yaml").read_text(encoding="utf-8")
    monkeypatch.chdir(ROOT / "models")
    plant = load_plant(text)
    assert len(plant.orders) == 40 and plant.files == ("<string>", "demo-orders.csv")
    monkeypatch.chdir(ROOT)
    found = problems(load_plant, text)
    assert any(p.file == "demo-orders.csv" and "cannot read orders CSV" in p.message for p in found)


def test_a_one_line_yaml_mapping_is_text_not_a_file_name():
    model = base_model()
    plant = load_plant(yaml.safe_dump(model, default_flow_style=True, width=10**6).strip())
    assert plant.source == "<string>" and list(plant.orders) == ["O1"]


def test_settings_are_keyword_arguments_over_the_file():
    plant = load_plant(base_model(), time_limit=3, seed=7)
    assert (plant.settings.time_limit, plant.settings.seed) == (3, 7)
    assert load_plant(plant, seed=8).settings.seed == 8  # a Plant takes them too
    assert plant.settings.seed == 7  # ... and is not changed


# Bad input: DataError naming where ----------------------------------------------------------


def test_a_bad_dict_names_dict_the_record_and_the_field():
    model = base_model()
    model["orders"][0]["quantity"] = 0
    model["resources"][0]["capacity"] = "two"
    found = {where(p) for p in problems(load_plant, model)}
    assert ("<dict>", "orders 'O1'", "quantity") in found
    assert ("<dict>", "resources 'M1'", "capacity") in found


def test_a_bad_yaml_string_names_string_and_the_line_or_field():
    (problem,) = problems(load_plant, "plant: [unclosed\nresources: []\n")
    assert problem.file == "<string>" and problem.record.startswith("line ")
    assert "not valid YAML" in problem.message
    model = base_model()
    model["orders"][0]["due"] = "someday"
    found = {where(p) for p in problems(load_plant, yaml.safe_dump(model))}
    assert ("<string>", "orders 'O1'", "due") in found
    (duplicate,) = problems(load_plant, "plant: {}\nplant: {}\n")
    assert duplicate.file == "<string>" and "duplicate key 'plant'" in duplicate.message


@pytest.mark.parametrize(
    ("source", "label", "message"),
    [
        ("", "<string>", "is empty"),
        ("   \n", "<string>", "is empty"),
        ("- a\n- b\n", "<string>", "not a list"),
        ([1, 2], "<dict>", "not a list"),
        (None, "<dict>", "is empty"),
    ],
)
def test_what_is_not_a_mapping_is_refused(source, label, message):
    (problem,) = problems(load_plant, source)
    assert problem.file == label and message in problem.message


def test_a_missing_file_is_named():
    (problem,) = problems(load_plant, "models/no-such-plant.yaml")
    assert problem.file == "models/no-such-plant.yaml" and "cannot read file" in problem.message


def test_bad_settings_arguments_name_arguments_and_the_setting():
    found = {where(p) for p in problems(load_plant, base_model(), time_limt=3, seed=-1)}
    assert found == {("<arguments>", "settings", "time_limt"), ("<arguments>", "settings", "seed")}
    plant = load_plant(base_model())
    assert {where(p) for p in problems(plan, plant, workers=0)} == {
        ("<arguments>", "settings", "workers")
    }


def test_nothing_passed_in_is_changed():
    model = base_model()
    model["settings"]["tiers"] = {"A": 1.0, "B": 0.5}
    kept = copy.deepcopy(model)
    plant = load_plant(model, time_limit=4)
    result = plan(model, **FAST)
    check(model, result)
    assert model == kept
    data = json.loads(json.dumps(result.to_dict()))
    kept_plan = copy.deepcopy(data)
    check(plant, data)
    assert data == kept_plan


# Planning and checking ----------------------------------------------------------------------


def test_plan_is_repeatable_only_when_asked_as_replan_plan():
    model = base_model()
    assert plan(model, time_limit=5, workers=1).provenance["deterministic"] is False
    assert plan(model, **FAST).provenance["deterministic"] is True


def test_check_finds_nothing_in_a_solved_plan_and_a_violation_in_a_tampered_one(tmp_path):
    plant = load_plant(base_model())
    result = plan(plant, **FAST)
    assert check(plant, result) == []
    path = tmp_path / "plan.json"
    result.to_json(path)
    assert check(plant, path) == [] and check(plant, str(path)) == []
    assert check(plant, json.loads(path.read_text())) == []
    (step,) = result.steps
    tampered = dataclasses.replace(result, steps=(dataclasses.replace(step, end=step.end - 30),))
    violations = check(plant, tampered)
    assert violations and all(v.order == "O1" for v in violations)


def test_check_refuses_a_plan_for_another_plant():
    plant = load_plant(base_model())
    other = dataclasses.replace(plan(plant, **FAST), plant="elsewhere")
    found = problems(check, plant, other)
    assert [where(p) for p in found] == [("<plan>", "plan", "plant")]
    data = other.to_dict()
    assert [where(p) for p in problems(check, plant, data)] == [("<dict>", "plan", "plant")]
    data["steps"] = "none"
    assert [where(p) for p in problems(check, plant, data)] == [("<dict>", "plan", "steps")]


# What-if ------------------------------------------------------------------------------------


def tiny_whatif_files(tmp_path) -> dict:
    """A plant with a gap that a rush order fits (test_whatif: accepted, promised at 120)."""
    model = plant_model(O1="02:00", O2="04:00")
    baseline_file(tmp_path, model, {"O1": ("M1", 0, 60), "O2": ("M1", 120, 180)})
    return {"model": "plant.yaml", "baseline": "baseline.json", "changes": [rush("02:00")]}


def test_whatif_takes_a_dict_text_or_a_file(tmp_path, monkeypatch):
    scenario = tiny_whatif_files(tmp_path)
    kept = copy.deepcopy(scenario)
    from_dict = whatif(scenario, base_dir=tmp_path)
    from_text = whatif(yaml.safe_dump(scenario), base_dir=tmp_path)
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(scenario))
    from_file = whatif(path)
    monkeypatch.chdir(tmp_path)  # text and dicts name files relative to the current directory
    from_cwd = whatif(scenario)
    for evaluation in (from_dict, from_text, from_file, from_cwd):
        (outcome,) = evaluation.outcomes
        assert outcome.verdict == ACCEPT and outcome.promise == 120
        assert check(outcome.plant, outcome.plan) == []
    assert (str(from_dict.scenario.path), str(from_text.scenario.path)) == ("<dict>", "<string>")
    assert scenario == kept


def test_whatif_model_and_baseline_arguments_replace_the_scenarios(tmp_path):
    scenario = tiny_whatif_files(tmp_path)
    changes = {"changes": scenario["changes"]}
    evaluation = whatif(changes, baseline=tmp_path / "baseline.json", model=tmp_path / "plant.yaml")
    assert evaluation.outcomes[0].verdict == ACCEPT and not evaluation.baseline_solved
    # Without a baseline, it is solved first; the verdict stands (the gap is still there).
    evaluation = whatif(changes, model=str(tmp_path / "plant.yaml"), strategy="regenerate", **FAST)
    assert evaluation.baseline_solved and evaluation.outcomes[0].verdict in VERDICTS


def test_whatif_takes_a_plant_and_a_baseline_held_in_memory(tmp_path):
    scenario = tiny_whatif_files(tmp_path)
    model = plant_model(O1="02:00", O2="04:00")
    plant = load_plant(model)
    baseline = Plan.from_json(tmp_path / "baseline.json")
    changes = {"changes": scenario["changes"]}  # no model, no baseline
    data = baseline.to_dict()
    kept = copy.deepcopy((model, data))
    for given_model, given_baseline, label in [
        (plant, baseline, "<plan>"),
        (model, data, "<dict>"),
        (tmp_path / "plant.yaml", baseline, "<plan>"),
    ]:
        evaluation = whatif(changes, baseline=given_baseline, model=given_model)
        (outcome,) = evaluation.outcomes
        assert outcome.verdict == ACCEPT and outcome.promise == 120
        assert not evaluation.baseline_solved and evaluation.baseline == baseline
        assert str(evaluation.scenario.baseline_path) == label
    assert (model, data) == kept
    # A scenario file keeps its own baseline file when only the model is given.
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(scenario))
    evaluation = whatif(path, model=plant)
    assert evaluation.outcomes[0].verdict == ACCEPT and not evaluation.baseline_solved
    assert evaluation.scenario.baseline_path == tmp_path / "baseline.json"
    assert str(evaluation.scenario.model_path) == "<dict>"
    other = dataclasses.replace(baseline, plant="elsewhere")
    assert [where(p) for p in problems(whatif, changes, baseline=other, model=plant)] == [
        ("<plan>", "plan", "plant")
    ]
    assert [where(p) for p in problems(whatif, changes, baseline=42, model=plant)] == [
        ("<arguments>", "whatif", "baseline")
    ]


def test_bad_whatif_input_names_where(tmp_path):
    scenario = tiny_whatif_files(tmp_path)
    bad = {**scenario, "changes": [{"kind": "explode"}]}
    (problem,) = problems(whatif, bad, base_dir=tmp_path)
    assert where(problem) == ("<dict>", "changes[0] (explode)", "")
    found = problems(whatif, yaml.safe_dump({"changes": scenario["changes"]}))
    assert ("<string>", "scenario", "model") in {where(p) for p in found}
    found = problems(
        whatif,
        scenario,
        base_dir=tmp_path,
        baseline=tmp_path / "nope.json",
        strategy="guess",
        time_limit=-1,
    )
    assert {where(p) for p in found} == {
        ("<arguments>", "whatif", "baseline"),
        ("<arguments>", "whatif", "strategy"),
        ("<arguments>", "settings", "time_limit"),
    }
