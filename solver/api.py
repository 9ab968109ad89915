"""The Python API: load a plant, plan it, check a plan, evaluate a what-if.

For notebooks and services, the four things the command line does, on paths, YAML text or
parsed data (dicts), with the same rules and messages as files::

    from solver import check, load_plant, plan, whatif

    plant = load_plant("models/demo.yaml", time_limit=5, seed=1)
    result = plan(plant)
    assert check(plant, result) == []
    evaluation = whatif("scenarios/rush-order.yaml")

Bad input of any kind raises ``DataError``, whose ``problems`` name the file, record and field
as for files; data given in memory is named ``<string>`` (YAML text), ``<dict>`` or ``<plan>``
(a Plan object), and settings given as keyword arguments ``<arguments>``. Nothing passed in is
changed.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from solver.changes.scenario import InlineSource, Scenario, load_scenario, parse_scenario
from solver.domain.errors import DataError, Problem
from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.domain.settings import Settings
from solver.facts.checker import check_plan
from solver.facts.violations import Violation
from solver.input.loading import (
    canonical_bytes,
    load_plant_data,
    override_settings,
    parse_yaml,
    read_bytes,
)
from solver.input.loading import load_plant as load_file
from solver.input.plan_file import check_header, load_plan
from solver.solve.search import plan as solve_plan
from solver.strategies import get_strategy
from solver.strategies.base import Strategy
from solver.whatif.evaluate import Evaluation, evaluate

__all__ = ["check", "load_plant", "plan", "whatif"]

STRING, DICT, ARGUMENTS = "<string>", "<dict>", "<arguments>"

PathLike = str | os.PathLike
Source = str | os.PathLike | Mapping[str, Any]


def load_plant(
    source: Source | Plant, *, base_dir: PathLike | None = None, **settings: Any
) -> Plant:
    """Load and validate a plant model.

    Parameters
    ----------
    source : str, path-like, dict or Plant
        A plant file (``str`` or ``Path``), its YAML text (a ``str`` that spans lines or reads
        as a mapping, ``"{plant: ...}"`` or ``"plant: ..."``; a ``str`` naming an existing file
        is always the file), or the parsed file as a dict. A Plant is taken as it is, with
        the settings given here.
    base_dir : str or path-like, optional
        For YAML text or a dict: the folder an ``orders`` CSV name is relative to (the current
        directory by default). A file's CSV is always relative to the file's folder.
    **settings
        Settings that replace the model's (``time_limit=5``, ``seed=1``, ``workers=2``,
        ``deterministic=True``, any key of ``replan schema``'s ``settings``); ``None`` values
        are ignored.

    Returns
    -------
    Plant

    Raises
    ------
    DataError
        Listing every problem found, each with file (``<string>``, ``<dict>`` for data given
        in memory, ``<arguments>`` for ``settings``), record, field and what would be valid.
    """
    if isinstance(source, Plant):
        return _with_settings(source, settings)
    if isinstance(source, str | os.PathLike) and not _is_text(source):
        return load_file(source, settings, overrides_source=ARGUMENTS)
    base = Path(base_dir) if base_dir is not None else None
    if isinstance(source, str):
        data = _text_bytes(source)
        raw = parse_yaml(data, Path(STRING))
        return load_plant_data(
            raw, STRING, base, settings, content=data, overrides_source=ARGUMENTS
        )
    raw = _copied(source)
    return load_plant_data(raw, DICT, base, settings, overrides_source=ARGUMENTS)


def plan(plant: Source | Plant, **settings: Any) -> Plan:
    """Plan every order of a plant, as ``replan plan`` does.

    Parameters
    ----------
    plant : Plant, str, path-like or dict
        A loaded Plant, or anything ``load_plant`` accepts.
    **settings
        Settings for this solve, over the plant's (``time_limit``, ``seed``, ``workers``,
        ``search``, ``deterministic``, ...). As for ``replan plan``, solves are not
        deterministic unless ``deterministic=True`` is given here or in the plant file.

    Returns
    -------
    Plan
        The best plan found within the time limit, with its provenance. It is not checked:
        ``check`` does that.

    Raises
    ------
    DataError
        For a bad plant or setting (see ``load_plant``).
    SolveError
        When no plan is found (the firm orders cannot all be made, or a model error).
    """
    loaded = load_plant(plant, **settings)
    return solve_plan(
        loaded.replace(settings=loaded.settings.resolved(deterministic_by_default=False))
    )


def whatif(
    scenario: Source | Scenario,
    baseline: Plan | PathLike | Mapping[str, Any] | None = None,
    *,
    model: Source | Plant | None = None,
    strategy: str | Strategy | None = None,
    base_dir: PathLike | None = None,
    **settings: Any,
) -> Evaluation:
    """Evaluate a proposed change against the baseline plan, as ``replan whatif`` does.

    Parameters
    ----------
    scenario : str, path-like, dict or Scenario
        A scenario file, its YAML text (as for ``load_plant``) or the parsed file as a dict.
        A file names its model and baseline relative to its own folder; text or a dict
        relative to ``base_dir`` (the current directory by default).
    baseline : Plan, str, path-like or dict, optional
        The baseline in place of the scenario's: a Plan, a plan JSON file (``replan plan
        --json``) or that JSON parsed into a dict. Without either, the baseline is solved
        first with the model's settings.
    model : Plant, str, path-like or dict, optional
        The plant in place of the scenario's ``model`` (which the scenario may then leave
        out): a Plant or anything ``load_plant`` accepts.
    strategy : str or Strategy, optional
        How the proposal is re-planned (a name of ``replan whatif --strategy``); minimal
        change (``stable``) by default.
    base_dir : str or path-like, optional
        See ``scenario``.
    **settings
        Settings over the scenario's and the model's for the what-if solves; as for
        ``replan whatif``, solves are deterministic unless ``deterministic=False`` is given.
        A baseline solved first keeps the model's settings but for ``workers``, ``seed``,
        ``deterministic``, ``deterministic_time`` and ``wall_cap_factor``.

    Returns
    -------
    Evaluation
        ``outcomes`` holds one ``Outcome`` per change set (the change as asked, then each
        variant) with its ``verdict`` (``ACCEPT``, ``ACCEPT WITH DATE``, ``REJECT`` or
        ``IMPACT``), ``reason``, plan and facts; ``exit_code`` is ``replan whatif``'s.

    Raises
    ------
    DataError
        For a bad scenario, model, baseline or setting, naming file, record and field; also
        for a baseline made for another plant, start or time grid.
    SolveError
        When no baseline plan is found, or a given baseline breaks the model's rules.
    """
    _, problems = override_settings(Settings(), settings, ARGUMENTS)
    chosen = _strategy(strategy, problems)
    model_file = _existing(model, "model", "plant file", problems) if _names_file(model) else None
    held = _held_plan(baseline, problems)  # a Plan or its dict, in memory
    baseline_file = None
    if _names_file(baseline):
        baseline_file = _existing(baseline, "baseline", "plan file", problems)
    if problems:
        raise DataError(problems)
    plant = None if model is None or model_file is not None else load_plant(model)
    loaded = _scenario(
        scenario,
        base_dir,
        model=model_file or (None if plant is None else InlineSource(plant.source, b"")),
        baseline=baseline_file or held,
    )
    if plant is None and held is None:
        return evaluate(loaded, settings, chosen)  # files only: as `replan whatif`
    # A plant or plan held in memory: the what-if takes them as the daily loop hands them.
    plant = plant or load_file(loaded.model_path)
    if held is not None:
        given = _plan_for(plant, baseline, held.label)
    elif loaded.baseline_path is not None:
        given = load_plan(loaded.baseline_path, plant)
    else:
        given = None
    return evaluate(loaded, settings, chosen, book=(plant, given))


def check(plant: Source | Plant, plan: Plan | PathLike | Mapping[str, Any]) -> list[Violation]:
    """Check a plan against a plant without CP-SAT, as ``replan check`` does.

    Parameters
    ----------
    plant : Plant, str, path-like or dict
        A loaded Plant, or anything ``load_plant`` accepts.
    plan : Plan, str, path-like or dict
        A Plan, a plan JSON file (``replan plan --json``) or that JSON parsed into a dict.

    Returns
    -------
    list of Violation
        Every broken rule (kind, order, resource, message); empty for a valid plan.

    Raises
    ------
    DataError
        For a bad plant or plan file, and for a plan made for another plant, start or time
        grid (bad input, not a violation).
    """
    loaded = load_plant(plant)
    if isinstance(plan, Plan | Mapping):
        result = _plan_for(loaded, plan, "<plan>" if isinstance(plan, Plan) else DICT)
    else:
        result = load_plan(plan, loaded)
    return check_plan(loaded, result)


def _is_text(source: str | os.PathLike) -> bool:
    """Whether a ``str`` is YAML text rather than a file name (see ``load_plant``)."""
    if not isinstance(source, str):
        return False
    if "\n" in source or not source.strip():
        return True
    try:
        if Path(source).is_file():
            return False
    except (OSError, ValueError):  # a name too long, a NUL character
        pass
    text = source.strip()
    return text.startswith("{") or ": " in text


def _text_bytes(text: str) -> bytes:
    """UTF-8 bytes of the text; a lone surrogate is kept, so that decoding names its line."""
    return text.encode("utf-8", "surrogatepass")


def _copied(data: Any) -> Any:
    """A deep copy of data given in memory, so that nothing passed in can change."""
    return copy.deepcopy(dict(data) if isinstance(data, Mapping) else data)


def _with_settings(plant: Plant, settings: dict[str, Any]) -> Plant:
    if not any(v is not None for v in settings.values()):
        return plant
    updated, problems = override_settings(plant.settings, settings, ARGUMENTS)
    if problems:
        raise DataError(problems)
    return plant.replace(settings=updated)


def _strategy(strategy: str | Strategy | None, problems: list[Problem]) -> Strategy | None:
    if strategy is None or not isinstance(strategy, str):
        return strategy
    try:
        return get_strategy(strategy)
    except ValueError as exc:
        problems.append(Problem(ARGUMENTS, "whatif", "strategy", str(exc)))
        return None


def _names_file(value: Any) -> bool:
    """A path-like, or a ``str`` that is a file name rather than YAML text."""
    return isinstance(value, os.PathLike) or (isinstance(value, str) and not _is_text(value))


def _existing(path: PathLike, field: str, what: str, problems: list[Problem]) -> Path:
    """An absolute path to a file given as an argument, or a problem naming the argument."""
    try:
        resolved = Path(path).resolve()
        found = resolved.is_file()
    except (OSError, ValueError):
        resolved, found = Path(path), False
    if not found:
        problems.append(Problem(ARGUMENTS, "whatif", field, f"no {what} at {resolved}"))
    return resolved


def _held_plan(baseline: Any, problems: list[Problem]) -> InlineSource | None:
    """Where a baseline given as a Plan or its parsed JSON stands (None for a file or none)."""
    if isinstance(baseline, Plan):
        return InlineSource("<plan>", canonical_bytes(baseline.to_dict()))
    if isinstance(baseline, Mapping):
        return InlineSource(DICT, canonical_bytes(baseline))
    if baseline is not None and not _names_file(baseline):
        message = f"give a Plan, a plan JSON file or its parsed dict, not {type(baseline).__name__}"
        problems.append(Problem(ARGUMENTS, "whatif", "baseline", message))
    return None


def _plan_for(plant: Plant, plan: Plan | Mapping[str, Any], label: str) -> Plan:
    """A plan held in memory (or its parsed JSON), refused if made for another plant."""
    result = plan if isinstance(plan, Plan) else Plan.from_dict(_copied(plan), label)
    problems = check_header(result, plant, label)
    if problems:
        raise DataError(problems)
    return result


def _scenario(
    scenario: Source | Scenario,
    base_dir: PathLike | None,
    model: Path | InlineSource | None,
    baseline: Path | InlineSource | None,
) -> Scenario:
    """The scenario, with the model and baseline given as arguments in place of its own."""
    if isinstance(scenario, Scenario):
        loaded = copy.copy(scenario)
        if model is not None:
            loaded.model_path = model
        if baseline is not None:
            loaded.baseline_path = baseline
        return loaded
    given = {"model": model, "baseline": baseline}
    if isinstance(scenario, str | os.PathLike) and not _is_text(scenario):
        if model is None and baseline is None:
            return load_scenario(scenario)
        path = Path(scenario)
        return parse_scenario(parse_yaml(read_bytes(path), path), path, **given)
    base = Path(base_dir) if base_dir is not None else None
    if isinstance(scenario, str):
        data = _text_bytes(scenario)
        raw = parse_yaml(data, Path(STRING))
        return parse_scenario(raw, InlineSource(STRING, data), base, **given)
    raw = _copied(scenario)
    return parse_scenario(raw, InlineSource(DICT, canonical_bytes(raw)), base, **given)
