"""Plan files meet a plant: reading with the header check.

The schema of a plan file is ``solver.domain.plan_schema``; this module compares a plan's
header with the plant it is read for, so that a plan made for another plant, start or time
grid cannot be read on this one, whatever its steps say.
"""

from __future__ import annotations

from pathlib import Path

from solver.domain.errors import DataError, Problem
from solver.domain.plan import Plan
from solver.domain.plant import Plant

__all__ = ["check_header", "load_plan", "read_plan"]


def read_plan(path: str | Path) -> Plan:
    """Read and validate a plan file, without comparing it with any plant.

    Raises
    ------
    DataError
        Naming the file, the record and the field of every problem found.
    """
    return Plan.from_json(path)


def load_plan(path: str | Path, plant: Plant) -> Plan:
    """Read a plan file for ``plant``: schema, then the header against the plant.

    Use this wherever a plan file meets a plant (``replan check``, a what-if baseline): a plan
    made for another plant, start or time grid would otherwise be read on the wrong grid.

    Raises
    ------
    DataError
        For an unreadable or malformed file, and for a header that does not match the plant
        (bad input, not a violation: the plan is not about this plant).
    """
    plan = read_plan(path)
    problems = check_header(plan, plant, str(path))
    if problems:
        raise DataError(problems)
    return plan


def check_header(plan: Plan, plant: Plant, file: str = "plan") -> list[Problem]:
    """Problems where the plan's plant name, start or resolution differ from the plant's."""
    why = (
        "the plan was made for another plant or start; plan this model again "
        "(`replan plan MODEL --json PLAN`) or give the model the plan was made for"
    )
    problems = []
    model = plant.source or "the model"
    if plan.plant != plant.name:
        problems.append(
            Problem(
                file,
                "plan",
                "plant",
                f"the plan is for plant {plan.plant!r}, {model} is plant {plant.name!r}: {why}",
            )
        )
    if plan.start != plant.grid.start:
        problems.append(
            Problem(
                file,
                "plan",
                "start",
                f"the plan starts at {plan.start.isoformat()}, {model} at "
                f"{plant.grid.start.isoformat()}: {why}",
            )
        )
    if plan.resolution != plant.grid.resolution:
        problems.append(
            Problem(
                file,
                "plan",
                "resolution_seconds",
                f"the plan counts ticks of {plan.resolution.total_seconds():g} s, {model} of "
                f"{plant.grid.resolution.total_seconds():g} s: its ticks are on another time "
                f"grid; {why}",
            )
        )
    return problems
