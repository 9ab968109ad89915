"""Plans: list, get (by id, ``released``, ``released~N`` or ``candidate``), diff two, release
one, and explain why an order of a plan completes when it does.
"""

from __future__ import annotations

import difflib
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from solver.daily.records import book_of
from solver.domain.plant import Plant
from solver.explain.chain import explain_order
from solver.facts.checker import check_plan
from solver.facts.diff import plan_diff
from solver.report.daily import diff_dict
from solver.report.explain import explanation_dict
from solver.service import deps
from solver.service.deps import StoreDep
from solver.service.errors import ApiError
from solver.service.models import Decide, PlanDetail, PlanDiffOut, PlanSummary, Released, Violations
from solver.store.store import Store
from solver.store.tables import PlanRow

router = APIRouter(prefix="/plans", tags=["plans"])

REFERENCE = "a plan id, released, released~N or candidate"
NOT_FOUND = {404: {"description": "no such plan (or order)"}}


@router.get("", response_model=list[PlanSummary])
def list_plans(
    db: StoreDep,
    plant: Annotated[int | None, Query(description="only this plant's plans")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict]:
    """Stored plans, newest first (plans, what-if proposals, nightly candidates)."""
    released = db.released_id()
    return [_summary(row, released) for row in db.plans(plant, limit)]


@router.get("/{reference}", response_model=PlanDetail, responses=NOT_FOUND)
def get_plan(reference: str, db: StoreDep) -> dict:
    """A stored plan: its searchable columns, KPIs, provenance and the plan file's JSON."""
    row = deps.plan_row(db, reference)
    return {
        **_summary(row, db.released_id()),
        "terms": row.terms,
        "kpis": row.kpis,
        "provenance": row.provenance,
        "changes": row.changes,
        "now": row.now,
        "parent_id": row.parent_id,
        "plan": row.plan,
    }


@router.get("/{a}/diff/{b}", response_model=PlanDiffOut, responses=NOT_FOUND)
def diff_plans(a: str, b: str, db: StoreDep) -> dict:
    """The orders whose completion, resources or purchases differ from plan A to plan B, and
    both plans' KPIs side by side (``replan diff``)."""
    row_a, row_b = deps.plan_row(db, a), deps.plan_row(db, b)
    diff = plan_diff(
        book_of(db, row_a),
        db.plan_of(row_a),
        book_of(db, row_b),
        db.plan_of(row_b),
        f"{a} (plan {row_a.id})",
        f"{b} (plan {row_b.id})",
    )
    return diff_dict(diff)


@router.post(
    "/{reference}/release",
    response_model=Released,
    responses={**NOT_FOUND, 409: {"model": Violations, "description": "the plan breaks a rule"}},
)
def release_plan(reference: str, body: Decide, db: StoreDep) -> dict:
    """Make a stored plan the released one, after checking it against the book it was made
    for (``replan release``)."""
    row = deps.plan_row(db, reference)
    violations = _violations(db, row)
    if violations:
        raise ApiError(409, f"plan {row.id} breaks the model's rules", violations=violations)
    db.release(row.id, by=deps.by(body.by), note=body.note)
    return {"plan_id": row.id}


@router.get(
    "/{reference}/explain/{order}",
    responses={**NOT_FOUND, 409: {"model": Violations, "description": "the plan breaks a rule"}},
)
def explain(reference: str, order: str, db: StoreDep) -> dict:
    """Why an order of a plan completes when it does: its critical chain, last step first,
    each step's wait and its causes, the step whose wait binds, and whether it is late even
    alone (``replan explain --json``, without the priced levers, which need solves)."""
    row = deps.plan_row(db, reference)
    plant = book_of(db, row)
    if order not in plant.orders:
        close = difflib.get_close_matches(order, list(plant.orders), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ApiError(404, f"plan {row.id} has no order {order!r}{hint}")
    violations = _violations(db, row, plant)
    if violations:  # read from the plan's times, an explanation of a broken plan would mislead
        raise ApiError(409, f"plan {row.id} breaks the model's rules", violations=violations)
    now = 0 if row.now is None else max(0, plant.grid.floor(datetime.fromisoformat(row.now)))
    return explanation_dict(plant, explain_order(plant, db.plan_of(row), order, now))


def _violations(db: Store, row: PlanRow, plant: Plant | None = None) -> list[str]:
    plant = plant or book_of(db, row)
    # A proposal pins the steps of its frozen window; the book rebuilt from files does not.
    return [str(v) for v in check_plan(plant, db.plan_of(row).pinned_only_at(plant.pins))]


def _summary(row: PlanRow, released: int | None) -> dict:
    return {
        "id": row.id,
        "name": row.name,
        "kind": row.kind,
        "plant_id": row.plant_id,
        "created_at": row.created_at,
        "status": row.status,
        "objective": row.objective,
        "released": row.id == released,
        "evaluation_id": row.evaluation_id,
        "variant": row.variant,
    }
