"""Plan JSON goes through one pydantic schema both ways, and ``replan schema --plan`` shows it."""

from __future__ import annotations

import dataclasses
import json

import pytest
from pydantic import ValidationError

from solver.cli import main
from solver.domain.errors import DataError
from solver.domain.plan import Plan, ScheduledStep
from solver.domain.plan_schema import PlanFile
from solver.input.loading import load_plant
from solver.solve.dispatch import dispatch

DEMO = "models/demo.yaml"


@pytest.fixture(scope="module")
def demo_plan() -> Plan:
    return dispatch(load_plant(DEMO))


def test_schema_command_prints_the_plan_file_schema(capsys):
    assert main(["schema", "--plan"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema == PlanFile.model_json_schema(by_alias=True)
    assert {"plant", "start", "resolution_seconds", "steps", "outcomes"} <= set(
        schema["properties"]
    )
    assert schema["additionalProperties"] is False
    # Explanations are written, never required: plans written before them still read.
    assert "why_late" in schema["properties"] and "why_late" not in schema["required"]


def test_explanations_ride_along_and_are_ignored_on_reading(demo_plan):
    assert "why_late" not in demo_plan.to_dict()  # nothing explained, no key
    why = [{"order": "SO-1008", "chain": [{"step": "pack", "causes": [{"kind": "calendar"}]}]}]
    data = json.loads(json.dumps(demo_plan.to_dict(why_late=why)))
    assert data["why_late"] == why
    assert Plan.from_dict(data) == demo_plan


def test_why_late_must_be_a_list_of_objects(demo_plan):
    data = {**demo_plan.to_dict(), "why_late": ["late"]}
    with pytest.raises(DataError) as caught:
        Plan.from_dict(data, "p.json")
    (problem,) = caught.value.problems
    assert (problem.record, problem.field) == ("why_late[0]", "")
    assert "JSON object" in problem.message


def test_plan_round_trips_through_the_schema(demo_plan):
    data = json.loads(json.dumps(demo_plan.to_dict()))
    assert Plan.from_dict(data) == demo_plan
    # The times for people are derived from ticks on the plan's grid.
    step = demo_plan.steps[0]
    written = data["steps"][0]
    assert written["start_time"] == demo_plan.grid.to_datetime(step.start).isoformat()


def test_a_plan_that_could_not_be_read_back_is_never_written(demo_plan):
    broken = dataclasses.replace(demo_plan, steps=(ScheduledStep("SO-X", -1, "cut", "M1", 0, 10),))
    with pytest.raises(ValidationError, match="step_index"):
        broken.to_dict()


def test_reading_names_the_record_and_field(demo_plan):
    data = demo_plan.to_dict()
    data["outcomes"][0]["tardiness"] = "late"
    with pytest.raises(DataError) as caught:
        Plan.from_dict(data, "p.json")
    problem = caught.value.problems[0]
    assert (problem.file, problem.field) == ("p.json", "tardiness")
    assert data["outcomes"][0]["order"] in problem.record
