"""Plan JSON files: a strict schema, reading that names every problem, and the header check.

A plan file is what ``replan plan --json`` writes (``Plan.to_json``). Reading one never raises
anything but ``DataError``: a missing file, a directory, bytes that are not UTF-8, JSON that
does not parse (with line and column), NaN or infinite numbers, and every record that breaks
the schema (strict types: integers are integers, not floats or booleans; ticks, indexes and
quantities bounded; required fields present; unknown fields refused) are each a ``Problem``
naming the file, the record (``steps[3]``, ``outcomes['SO-1']``) and the field.

The schema says nothing about the plant: whether the orders, resources and suppliers a plan
names exist, and whether its steps keep the rules, is the checker's (``check_plan``). Only the
header is compared with the plant, by ``load_plan``: a plan made for another plant, start or
time grid cannot be read on this one, whatever its steps say.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from solver.data import Plant
from solver.errors import DataError, Problem
from solver.plan import OrderOutcome, Plan, Purchase, ScheduledStep, Supply

__all__ = ["PlanFile", "check_header", "load_plan", "plan_from_data", "read_plan"]

MAX_TICK = 10**12  # a century in seconds is 3.2e9: anything beyond is not a plan
MAX_INDEX = 10_000  # routing steps
MAX_QUANTITY = 10**12
MAX_UNITS = 10**18  # objective units (int64 holds 9.2e18)
MAX_RESOLUTION = 7 * 86400.0

Tick = Annotated[int, Field(ge=-MAX_TICK, le=MAX_TICK)]
Index = Annotated[int, Field(ge=0, le=MAX_INDEX)]
Quantity = Annotated[int, Field(ge=1, le=MAX_QUANTITY)]
Tardiness = Annotated[int, Field(ge=0, le=2 * MAX_TICK)]
Money = Annotated[float, Field(allow_inf_nan=False)]
Name = Annotated[str, Field(min_length=1, max_length=1000)]
Text = Annotated[str, Field(max_length=10_000)]


class _Record(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class StepRecord(_Record):
    order: Name
    step_index: Index
    step: Text
    resource: Name
    start: Tick
    end: Tick
    pinned: bool = False
    # Written by to_json for people; derived from start and end, ignored on reading.
    start_time: Text | None = None
    end_time: Text | None = None


class OutcomeRecord(_Record):
    order: Name
    accepted: bool
    completion: Tick | None
    due: Tick
    tardiness: Tardiness
    from_stock: bool = False
    completion_time: Text | None = None
    due_time: Text | None = None


class SupplyRecord(_Record):
    order: Name
    material: Name
    quantity: Quantity
    source: Name
    mode: Text = ""
    arrival: Tick | None = None
    arrival_time: Text | None = None


class PurchaseRecord(_Record):
    supplier: Name
    material: Name
    mode: Text
    quantity: Quantity
    arrival: Tick
    order_by: Tick
    cost: Money
    orders: list[Name]
    arrival_time: Text | None = None
    order_by_time: Text | None = None


class PlanFile(_Record):
    """The plan JSON written by ``Plan.to_json``."""

    plant: Name
    start: Name
    resolution_seconds: Annotated[float, Field(gt=0, le=MAX_RESOLUTION, allow_inf_nan=False)]
    status: Name
    steps: list[StepRecord]
    outcomes: list[OutcomeRecord]
    objective: Money
    objective_units: Annotated[int, Field(ge=-MAX_UNITS, le=MAX_UNITS)]
    terms: dict[Name, Money]
    best_bound: Money | None = None
    gap: Money | None = None
    solve_time: Annotated[float, Field(ge=0, allow_inf_nan=False)] = 0.0
    stats: dict[Name, Any] = Field(default_factory=dict)
    supplies: list[SupplyRecord] = Field(default_factory=list)
    purchases: list[PurchaseRecord] = Field(default_factory=list)
    provenance: dict[Name, Any] = Field(default_factory=dict)

    @field_validator("start")
    @classmethod
    def _iso_start(cls, value: str) -> str:
        try:
            datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(
                f"{value!r} is not an ISO datetime; give e.g. '2026-11-23T00:00:00'"
            ) from None
        return value

    @field_validator("stats")
    @classmethod
    def _flat_stats(cls, value: dict[str, Any]) -> dict[str, Any]:
        for key, item in value.items():
            if not isinstance(item, int | float | str | bool):
                raise ValueError(
                    f"stats[{key!r}] is {_show(item)}; each statistic is a number, text or "
                    "true/false"
                )
        return value


class _NonFinite:
    """A NaN or infinite number met while parsing (JSON has none; Python's json allows them)."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _parse_float(text: str) -> float | _NonFinite:
    value = float(text)
    return value if math.isfinite(value) else _NonFinite(text)


def read_plan(path: str | Path) -> Plan:
    """Read and validate a plan file, without comparing it with any plant.

    Raises
    ------
    DataError
        Naming the file, the record and the field of every problem found.
    """
    file = str(path)
    return plan_from_data(_read_json(Path(path)), file)


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


def _read_json(path: Path) -> Any:
    file = str(path)
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise DataError(
            [Problem(file, "file", "", "is a directory; give a plan JSON file")]
        ) from None
    except OSError as exc:
        raise DataError(
            [Problem(file, "file", "", f"cannot read: {exc.strerror or exc}")]
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise DataError(
            [
                Problem(
                    file,
                    f"line {line}, column {column}",
                    "",
                    f"byte {raw[exc.start]:#04x} is not UTF-8 text; a plan file is UTF-8 JSON "
                    "as `replan plan --json` writes it",
                )
            ]
        ) from None
    try:
        return json.loads(text, parse_float=_parse_float, parse_constant=_NonFinite)
    except json.JSONDecodeError as exc:
        raise DataError(
            [
                Problem(
                    file,
                    f"line {exc.lineno}, column {exc.colno}",
                    "",
                    _json_message(exc, text),
                )
            ]
        ) from None
    except RecursionError:
        raise DataError([Problem(file, "file", "", "JSON nested too deeply")]) from None


def _json_message(exc: json.JSONDecodeError, text: str) -> str:
    if not text.strip():
        return f"the file is empty: {NOT_A_PLAN}"
    ends_early = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated")
    return f"not valid JSON: {exc.msg}" + (
        " (the file ends early: truncated?)" if ends_early else ""
    )


def plan_from_data(data: Any, file: str = "plan") -> Plan:
    """Validate parsed plan JSON against the schema and build the Plan.

    Raises
    ------
    DataError
        Every schema problem, each naming the record and field.
    """
    if not isinstance(data, dict):
        raise DataError(
            [
                Problem(
                    file,
                    "plan",
                    "",
                    f"the file holds {_show(data)}: {NOT_A_PLAN}",
                )
            ]
        )
    problems = _non_finite(data, file)
    if problems:
        raise DataError(problems)
    try:
        record = PlanFile.model_validate(data)
    except ValidationError as exc:
        raise DataError([_problem(error, data, file) for error in exc.errors()]) from None
    return Plan(
        plant=record.plant,
        start=datetime.fromisoformat(record.start),
        resolution=timedelta(seconds=record.resolution_seconds),
        status=record.status,
        steps=tuple(
            ScheduledStep(s.order, s.step_index, s.step, s.resource, s.start, s.end, s.pinned)
            for s in record.steps
        ),
        outcomes=tuple(
            OrderOutcome(o.order, o.accepted, o.completion, o.due, o.tardiness, o.from_stock)
            for o in record.outcomes
        ),
        objective=record.objective,
        objective_units=record.objective_units,
        terms=dict(record.terms),
        best_bound=record.best_bound,
        gap=record.gap,
        solve_time=record.solve_time,
        stats=dict(record.stats),
        supplies=tuple(
            Supply(s.order, s.material, s.quantity, s.source, s.mode, s.arrival)
            for s in record.supplies
        ),
        purchases=tuple(
            Purchase(
                p.supplier,
                p.material,
                p.mode,
                p.quantity,
                p.arrival,
                p.order_by,
                p.cost,
                tuple(p.orders),
            )
            for p in record.purchases
        ),
        provenance=dict(record.provenance),
    )


def _non_finite(data: Any, file: str) -> list[Problem]:
    """Every NaN or infinite number in the parsed JSON, where it is."""
    problems: list[Problem] = []

    def walk(node: Any, loc: tuple) -> None:
        if isinstance(node, _NonFinite) or (isinstance(node, float) and not math.isfinite(node)):
            record, field = _where(loc, data)
            problems.append(
                Problem(file, record, field, f"{node!r} is not a number; give a finite number")
            )
        elif isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*loc, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, (*loc, index))

    walk(data, ())
    return problems


NOT_A_PLAN = "not a replan plan JSON (a JSON object as `replan plan --json` writes it)"
_LISTS = ("steps", "outcomes", "supplies", "purchases")
_MAPPINGS = ("terms", "stats", "provenance")


def _where(loc: tuple, data: dict) -> tuple[str, str]:
    """``('outcomes', 3, 'tardiness')`` -> (``outcomes['SO-1']``, ``tardiness``)."""
    if len(loc) >= 2 and loc[0] in _LISTS and isinstance(loc[1], int):
        items = data.get(loc[0])
        item = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
        order = item.get("order") if isinstance(item, dict) else None
        if loc[0] == "outcomes" and isinstance(order, str):
            record = f"outcomes[{order!r}]"
        else:
            record = f"{loc[0]}[{loc[1]}]"
        rest = loc[2:]
    else:
        record, rest = "plan", loc
    field = ""
    for position, key in enumerate(rest):
        if isinstance(key, int) or (position and rest[position - 1] in _MAPPINGS):
            field += f"[{key!r}]"
        else:
            field += f".{key}" if field else str(key)
    return record, field


def _problem(error: dict, data: dict, file: str) -> Problem:
    loc = tuple(k for k in error["loc"] if not (isinstance(k, str) and "[" in k))
    record, field = _where(loc, data)
    if error["type"] == "missing" and len(loc) == 1:
        return Problem(file, record, field, f"required field is missing: {NOT_A_PLAN}")
    return Problem(file, record, field, _message(error))


_EXPECTED = {
    "int_type": "a whole number (not a float, a string or true/false)",
    "int_from_float": "a whole number (not a float)",
    "float_type": "a number (not a string or true/false)",
    "bool_type": "true or false",
    "string_type": "a string",
    "list_type": "a JSON list",
    "dict_type": "a JSON object",
    "model_type": "a JSON object",
}


def _message(error: dict) -> str:
    kind = error["type"]
    got = error.get("input")
    if kind == "missing":
        return "required field is missing (a plan file has the fields `Plan.to_json` writes)"
    if kind == "extra_forbidden":
        return (
            "unknown field; check the spelling (a plan file has the fields `Plan.to_json` writes)"
        )
    if kind in _EXPECTED:
        return f"got {_show(got)}; give {_EXPECTED[kind]}"
    message = error["msg"].removeprefix("Value error, ")
    if kind == "value_error":
        return message
    return f"{message} (got {_show(got)})"


def _show(value: Any) -> str:
    text = json.dumps(value) if isinstance(value, str | int | float | bool | type(None)) else None
    if text is None:
        text = type(value).__name__ if isinstance(value, dict | list) else repr(value)
        if isinstance(value, dict):
            text = "a JSON object"
        elif isinstance(value, list):
            text = "a JSON list"
    return text if len(text) <= 60 else text[:57] + "..."
