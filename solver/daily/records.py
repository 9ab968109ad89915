"""Engine results into the store and back: plans, what-if proposals, the book a plan is for.

A stored plan names the plant files it was made from and the change set (scenario form) that
turns those files into its book: empty for ``replan plan``, the what-if's changes (on top of
its baseline's) for a proposal. ``book_of`` rebuilds that book, so a released proposal is
checked against the plant it was made for.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from solver.changes.apply import apply_changes
from solver.changes.scenario import ScenarioFile
from solver.domain.errors import DataError, Problem
from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.facts.kpis import compute_kpis
from solver.store.store import PlanRow, Store
from solver.whatif.evaluate import Evaluation


def change_dicts(changes: list) -> list[dict]:
    """Change records in the form a scenario file gives them (dates as ISO text)."""
    return [c.model_dump(mode="json", by_alias=True, exclude_none=True) for c in changes]


def change_records(dicts: list[dict], where: str = "store") -> list:
    """Change records from their scenario form, validated as a scenario file's are."""
    try:
        return list(ScenarioFile.model_validate({"model": "-", "changes": dicts}).changes)
    except ValueError as exc:
        raise DataError([Problem(where, "changes", "", str(exc).splitlines()[0])]) from None


def kpi_dict(plant: Plant, plan: Plan) -> dict:
    """The plan's KPIs as JSON-ready values."""
    return _jsonable(dataclasses.asdict(compute_kpis(plant, plan)))


def save_plan(
    store: Store,
    plant: Plant,
    plan: Plan,
    *,
    name: str,
    kind: str = "plan",
    release: bool = False,
    by: str = "",
    note: str = "",
) -> int:
    """Save a plan made on the plant's own files (and release it); returns its id."""
    plant_id = store.save_plant(plant)
    plan_id = store.save_plan(plant_id, plan, kind=kind, name=name, kpis=kpi_dict(plant, plan))
    if release:
        store.release(plan_id, by=by, note=note)
    return plan_id


def save_evaluation(
    store: Store,
    evaluation: Evaluation,
    result: dict,
    *,
    baseline_row: PlanRow | None,
    released_id: int | None,
    plant_id: int | None = None,
    carried: list[dict] | None = None,
) -> tuple[int, dict[str, int]]:
    """Save a what-if, with a proposal per variant that has a plan.

    Parameters
    ----------
    store : Store
    evaluation : Evaluation
    result : dict
        The evaluation as JSON (``report.whatif.evaluation_dict``).
    baseline_row : PlanRow, optional
        The stored plan the what-if started from, when it is exactly that plan.
    released_id : int, optional
        The plan released when the what-if was made (``accept`` refuses if it changed).
    plant_id : int, optional
        The plant row whose files the what-if's plant came from (saved if not given).
    carried : list of dict
        Changes on top of those files before the what-if's own (accepted orders kept).

    Returns
    -------
    (int, dict)
        The evaluation's id and each variant's proposal plan id.
    """
    if plant_id is None:
        plant_id = store.save_plant(evaluation.plant)
    carried = list(carried or [])
    now = evaluation.plant.grid.to_datetime(evaluation.now).isoformat()
    sets = {name: changes for name, _, changes in evaluation.scenario.change_sets()}
    proposals = []
    for outcome in evaluation.outcomes:
        if outcome.plan is None or outcome.plant is None:
            continue
        changes = carried + _as_judged(change_dicts(sets[outcome.name]), outcome.plant)
        kpis = kpi_dict(outcome.plant, outcome.plan)
        proposals.append((outcome.name, outcome.plan, kpis, changes, now))
    scenario = evaluation.scenario
    text = scenario.path.read_bytes().decode("utf-8", errors="replace")
    return store.save_evaluation(
        plant_id,
        scenario=str(scenario.path),
        scenario_text=text,
        verdict=evaluation.outcomes[0].verdict,
        result=result,
        baseline_id=None if baseline_row is None else baseline_row.id,
        released_id=released_id,
        proposals=proposals,
    )


def _as_judged(changes: list[dict], plant: Plant) -> list[dict]:
    """The changes with each asked order's due date as the proposal was judged: a what-if that
    answers "accept with date" judges its proposal at the promised date, and accepting it
    accepts that date."""
    out = []
    for change in changes:
        order = change.get("id") if change.get("kind") == "add_order" else change.get("order")
        if change.get("kind") in ("add_order", "change_due") and order in plant.orders:
            due = plant.grid.to_datetime(plant.orders[order].due).isoformat()
            change = {**change, "due": due}
        out.append(change)
    return out


def book_of(store: Store, row: PlanRow, settings_overrides: dict | None = None) -> Plant:
    """The plant a stored plan was made for: its files, then its change set at its ``now``."""
    plant = store.load_plant(row.plant_id, settings_overrides)
    if not row.changes:
        return plant
    now = 0 if row.now is None else max(0, plant.grid.floor(datetime.fromisoformat(row.now)))
    records = change_records(row.changes, f"store plan {row.id}")
    return apply_changes(plant, records, now, f"store plan {row.id}").plant


def _jsonable(value: object) -> object:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and value != value:
        return None
    return value
