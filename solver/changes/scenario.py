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
from solver.input.loading import _problems_from, error_message, read_yaml, require_mapping
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


class InlineSource:
    """Data given in memory where a file's Path would stand: a scenario given as text or a
    dict, or the plant or baseline plan a caller hands a what-if itself.

    ``str()`` and ``name`` are its label in messages and reports (``<string>``, ``<dict>``);
    ``read_bytes()`` gives its content, hashed into the provenance of what-if proposals as a
    scenario's and a baseline file's bytes are.
    """

    def __init__(self, label: str, content: bytes):
        self.label = label
        self.content = content

    @property
    def name(self) -> str:
        return self.label

    def read_bytes(self) -> bytes:
        return self.content

    def __str__(self) -> str:
        return self.label

    def __repr__(self) -> str:
        return f"InlineSource({self.label!r})"


class Scenario:
    """A loaded scenario: its file, its records and paths resolved from its folder.

    ``base_dir`` is the folder the model and baseline names are relative to: the scenario
    file's own folder by default (give it for a scenario that is not a file). ``model_path``
    and ``baseline_path`` are InlineSources when the caller gave a plant or plan in memory
    (``parse_scenario``).
    """

    model_path: Path | InlineSource
    baseline_path: Path | InlineSource | None

    def __init__(self, path: Path | InlineSource, data: ScenarioFile, base_dir: Path | None = None):
        self.path = path
        self.data = data
        folder = base_dir if base_dir is not None else _folder(path)
        self.model_path = (folder / data.model).resolve()
        self.baseline_path = (folder / data.baseline).resolve() if data.baseline else None

    @property
    def now(self) -> datetime | None:
        return self.data.now

    def change_sets(self) -> list[tuple[str, str, list]]:
        """(name, error prefix, changes) of the change as asked, then each variant."""
        sets = []
        if self.data.changes or not self.data.variants:
            # No changes at all asks what the plan looks like now (against the released plan
            # in the daily loop: today's files are the change).
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
    return parse_scenario(read_yaml(path), path)


def parse_scenario(
    raw: Any,
    path: Path | InlineSource,
    base_dir: str | Path | None = None,
    *,
    model: Path | InlineSource | None = None,
    baseline: Path | InlineSource | None = None,
) -> Scenario:
    """Validate a parsed scenario (the mapping its YAML reads as), with ``load_scenario``'s rules
    and messages.

    Parameters
    ----------
    raw : dict
        The scenario's fields (``model``, ``changes``, ``variants``, ...).
    path : Path or InlineSource
        The scenario file, or an ``InlineSource`` naming data given as text or a dict.
    base_dir : str or Path, optional
        The folder the model and baseline names are relative to: the folder of ``path`` by
        default, the current directory for an ``InlineSource``.
    model, baseline : Path or InlineSource, optional
        Given in place of the scenario's own (which it may then leave out): a file (relative
        to the current directory), or an ``InlineSource`` naming one the caller holds in
        memory and hands to ``evaluate`` itself.

    Raises
    ------
    DataError
        Naming the scenario (file or label), the change (``changes[2] (add_order)``) and the
        field.
    """
    folder = _folder(path) if base_dir is None else Path(base_dir)
    raw = require_mapping(raw, str(path))
    given = {"model": model, "baseline": baseline}
    raw = {**raw, **{k: str(v) for k, v in given.items() if v is not None}}
    try:
        data = ScenarioFile.model_validate(raw)
    except ValidationError as exc:
        raise DataError(_scenario_problems(exc, path, raw)) from None
    problems = []
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
        scenario = Scenario(path, data, folder)
        for name, value in given.items():
            if value is not None:
                resolved = value if isinstance(value, InlineSource) else Path(value).resolve()
                setattr(scenario, f"{name}_path", resolved)
        where = scenario.model_path
        found = isinstance(where, InlineSource) or where.is_file()
    except (OSError, ValueError):  # e.g. a NUL character in the name
        scenario, found, where = None, False, data.model
    if not found:
        problems.append(Problem(str(path), "scenario", "model", f"no model file at {where}"))
    if problems:
        raise DataError(problems)
    return scenario


def _folder(path: Path | InlineSource) -> Path:
    """Where names in a scenario are relative to: its file's folder, else the current one."""
    return Path(".") if isinstance(path, InlineSource) else path.parent


def _scenario_problems(exc: ValidationError, path: Path | InlineSource, raw: dict) -> list[Problem]:
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
