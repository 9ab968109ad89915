"""Scenario files: a model, an optional baseline plan, ``now``, changes, variants, settings.

```yaml
model: ../models/demo.yaml        # relative to this file
baseline: baseline.json           # optional: `replan plan --json` output; else solved first
now: 2026-11-23T10:00             # optional: the plan start by default
changes:                          # the change as asked
  - {kind: add_order, id: RUSH-1, customer: ACME, product: CTRL-100, quantity: 200,
     due: 2026-11-26, price: 60}
variants:                         # optional alternatives, each a change set of its own
  - name: split delivery
    changes: [...]
settings: {time_limit: 3, frozen: 4h}
```
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from solver.changes.apply import HANDLED_KINDS, Change
from solver.domain.errors import DataError, Problem
from solver.domain.settings import Settings
from solver.input.loading import _problems_from, error_message, read_yaml
from solver.input.schema import Record, StartTime, Text


class Variant(Record):
    name: Text = Field(min_length=1)
    changes: list[Change] = Field(min_length=1)


class ScenarioFile(Record):
    """A what-if scenario file."""

    model: Text = Field(description="plant model file, relative to this scenario")
    baseline: Text | None = Field(default=None, description="plan JSON; solved if absent")
    now: StartTime | None = Field(default=None, description="the past before it cannot change")
    changes: list[Change] = []
    variants: list[Variant] = []
    settings: dict[str, Any] = Field(default={}, description="settings overriding the model's")
    description: Text = ""


class Scenario:
    """A loaded scenario: its file, its records and paths resolved from its folder."""

    def __init__(self, path: Path, data: ScenarioFile):
        self.path = path
        self.data = data
        self.model_path = (path.parent / data.model).resolve()
        self.baseline_path = (path.parent / data.baseline).resolve() if data.baseline else None

    @property
    def now(self) -> datetime | None:
        return self.data.now

    def change_sets(self) -> list[tuple[str, str, list]]:
        """(name, error prefix, changes) of the change as asked, then each variant."""
        sets = []
        if self.data.changes:
            sets.append(("as asked", "changes", self.data.changes))
        for variant in self.data.variants:
            sets.append((variant.name, f"variants['{variant.name}'].changes", variant.changes))
        return sets


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file (the model it names is loaded separately).

    Raises
    ------
    DataError
        Naming the scenario file, the change (``changes[2] (add_order)``) and the field.
    """
    path = Path(path)
    raw = read_yaml(path)
    try:
        data = ScenarioFile.model_validate(raw)
    except ValidationError as exc:
        raise DataError(_scenario_problems(exc, path, raw)) from None
    problems = []
    if not data.changes and not data.variants:
        problems.append(Problem(str(path), "scenario", "changes", "give changes or variants"))
    names = [v.name for v in data.variants]
    if len(set(names)) < len(names) or "as asked" in names:
        problems.append(
            Problem(
                str(path), "scenario", "variants", "variant names must be unique, not 'as asked'"
            )
        )
    try:
        Settings.model_validate({**Settings().model_dump(), **data.settings})
    except ValidationError as exc:
        problems += [
            dataclasses.replace(p, field=f"settings.{p.field}")
            for p in _problems_from(exc, str(path), "scenario", raw.get("settings", {}))
        ]
    try:
        scenario = Scenario(path, data)
        found = scenario.model_path.is_file()
        where = scenario.model_path
    except (OSError, ValueError):  # e.g. a NUL character in the name
        scenario, found, where = None, False, data.model
    if not found:
        problems.append(Problem(str(path), "scenario", "model", f"no model file at {where}"))
    if problems:
        raise DataError(problems)
    return scenario


def _scenario_problems(exc: ValidationError, path: Path, raw: dict) -> list[Problem]:
    """Problems named by change: ``changes[2] (change_quantity)`` and the field in it."""
    problems = []
    for error in exc.errors():
        loc = list(error["loc"])
        record, rest = "scenario", loc
        for section in ("changes", "variants"):
            if loc[:1] == [section] and len(loc) > 1 and isinstance(loc[1], int):
                record, rest = _change_record(raw, loc)
        message = error_message(error, "replan schema --scenario")
        field = ".".join(str(p) for p in rest if str(p) not in _KINDS)
        problems.append(Problem(str(path), record, field, message))
    return problems


def _change_record(raw: dict, loc: list) -> tuple[str, list]:
    """(``changes[i] (kind)`` or ``variants['v'].changes[i] (kind)``, the rest of the path)."""
    prefix, items, rest = "", raw.get(loc[0]), loc[2:]
    index = loc[1]
    if loc[0] == "variants":
        variant = items[index] if isinstance(items, list) and index < len(items) else {}
        name = variant.get("name", index) if isinstance(variant, dict) else index
        if len(loc) > 3 and loc[2] == "changes" and isinstance(loc[3], int):
            prefix, items, index, rest = (
                f"variants[{name!r}].",
                variant.get("changes"),
                loc[3],
                loc[4:],
            )
        else:
            return f"variants[{name!r}]", loc[2:]
    item = items[index] if isinstance(items, list) and index < len(items) else None
    kind = f" ({item.get('kind')})" if isinstance(item, dict) and item.get("kind") else ""
    return f"{prefix}changes[{index}]{kind}", rest


_KINDS = set(HANDLED_KINDS)
