"""The plan JSON schema: pydantic records for reading and writing plan files.

A plan file is what ``replan plan --json`` writes (``Plan.to_dict`` through ``PlanFile``;
``replan schema --plan`` prints its JSON Schema). Its ``why_late`` list (explanations of the
late orders) is derived, written for people and other programs, and ignored on reading.

Reading one never raises anything but ``DataError``: a missing file, a directory, bytes that
are not UTF-8, JSON that does not parse (with line and column), NaN or infinite numbers, and
every record that breaks the schema (strict types: integers are integers, not floats or
booleans; ticks, indexes and quantities bounded; required fields present; unknown fields
refused) are each a ``Problem`` naming the file, the record (``steps[3]``, ``outcomes['SO-1']``)
and the field.

The schema says nothing about the plant: whether the orders, resources and suppliers a plan
names exist, and whether its steps keep the rules, is the checker's (``check_plan``). Only the
header is compared with the plant, by ``solver.input.plan_file.load_plan``.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from solver.domain.errors import DataError, Problem

__all__ = ["PlanFile", "read_plan_json", "validate_plan_data"]

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
    """The plan JSON written by ``replan plan --json`` (``Plan.to_dict``)."""

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
    # Derived from the plan and its plant, never input: reading ignores it (``Plan.from_record``
    # does not keep it) and so does ``replan check``. Open-ended objects because their shape is
    # the explanation's (``solver.report.explain.explanation_dict``), which grows with the
    # cause kinds; plans written before it, or by writers that explain nothing, have no key.
    why_late: list[dict[Name, Any]] | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description=(
            "Written by `replan plan --json`: why the plan's late, declined and unmade orders "
            "complete when they do, highest priority first (a large plan lists the first "
            "ones only), each with its chain and causes as `replan explain --json` gives them; "
            "ignored on reading."
        ),
    )

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


def read_plan_json(path: Path) -> Any:
    """The parsed JSON of a plan file; DataError for a missing file, bad bytes or bad JSON."""
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


def validate_plan_data(data: Any, file: str = "plan") -> PlanFile:
    """Validate parsed plan JSON against the schema.

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
    return record


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
_LISTS = ("steps", "outcomes", "supplies", "purchases", "why_late")
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
