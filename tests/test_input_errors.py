"""Bad scenario, suite and settings input: each names the file, the record and the field."""

from __future__ import annotations

import pytest
import yaml

from solver.changes.scenario import load_scenario
from solver.domain.errors import DataError
from solver.replay.suite import load_suite
from tests.conftest import write_model
from tests.cpsat.test_materials import supply_model
from tests.test_loading import only_problem
from tests.test_whatif import plant_model


def scenario_problems(tmp_path, scenario: dict):
    write_model(tmp_path, plant_model(O1="02:00"))
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump({"model": "plant.yaml", **scenario}))
    with pytest.raises(DataError) as caught:
        load_scenario(path)
    return caught.value.problems


@pytest.mark.parametrize(
    ("scenario", "record", "field", "message"),
    [
        ({"changes": [{"kind": "explode"}]}, "changes[0] (explode)", "", "'add_order'"),
        (
            {"changes": [{"kind": "resource_down", "resource": "M1"}]},
            "changes[0] (resource_down)",
            "from",
            "missing",
        ),
        (
            {"changes": [{"kind": "cancel_order", "order": "O1"}], "settings": {"frozen": "soon"}},
            "scenario",
            "settings.frozen",
            "duration",
        ),
        (
            {"changes": [{"kind": "cancel_order", "order": "O1"}], "settings": {"stability": 1}},
            "scenario",
            "settings.stability",
            "unknown field",
        ),
        (
            {
                "variants": [
                    {"name": "as asked", "changes": [{"kind": "cancel_order", "order": "O1"}]}
                ]
            },
            "scenario",
            "variants",
            "unique",
        ),
        (
            {"changes": [{"kind": "cancel_order", "order": "O1"}], "model": "nope.yaml"},
            "scenario",
            "model",
            "no model file",
        ),
    ],
)
def test_scenario_errors(tmp_path, scenario, record, field, message):
    problems = scenario_problems(tmp_path, scenario)
    assert any(
        p.record == record and p.field.startswith(field) and message in p.message for p in problems
    ), problems


def suite_problems(tmp_path, suite: dict):
    path = tmp_path / "suite.yaml"
    path.write_text(yaml.safe_dump(suite))
    with pytest.raises(DataError) as caught:
        load_suite(path)
    return caught.value.problems


@pytest.mark.parametrize(
    ("suite", "field", "message"),
    [
        (
            {"plants": [{"file": "x.yaml"}], "strategies": ["magic"]},
            "strategies",
            "unknown strategy",
        ),
        (
            {"plants": [{"file": "x.yaml"}], "events": {"mix": {"meteor": 1}}},
            "events.mix.meteor",
            "unknown kind",
        ),
        ({"plants": [{}]}, "file", "either file or generate"),
        ({"plants": []}, "plants", "at least 1"),
        ({"plants": [{"file": "x.yaml"}], "budget": 0}, "budget", "greater than 0"),
    ],
)
def test_suite_errors(tmp_path, suite, field, message):
    problems = suite_problems(tmp_path, suite)
    assert any(p.field == field and message in p.message for p in problems), problems


@pytest.mark.parametrize(
    ("path", "value", "field", "message"),
    [
        (("suppliers", 0, "period"), "0d", "period", "longer than zero"),
        (("suppliers", 0, "offers", 0, "min_order"), -1, "offers['M'].min_order", "greater than"),
        (("settings", "supplier_risk"), "ignore", "supplier_risk", "'pad'"),
        (("settings", "holding_rate"), -0.1, "holding_rate", "greater than or equal to 0"),
        (("settings", "stock_model"), "magic", "stock_model", "'reservoir'"),
        (("settings", "dispatch_rule"), "fifo", "dispatch_rule", "'atc'"),
    ],
)
def test_supply_and_strategy_settings_errors(tmp_path, path, value, field, message):
    model = supply_model()
    node = model
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    problem = only_problem(tmp_path, model)
    assert problem.field == field and message in problem.message, problem


def test_duplicate_expedite_names(tmp_path):
    from tests.test_loading import problems_of

    model = supply_model(expedite_per_shipment=10)
    offer = model["suppliers"][0]["offers"][0]
    offer["expedite"].append(dict(offer["expedite"][0]))
    fields = {p.field for p in problems_of(tmp_path, model) if "unique" in p.message}
    assert fields == {"offers['M'].expedite[0].name", "offers['M'].expedite[1].name"}
