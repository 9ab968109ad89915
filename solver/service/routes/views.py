"""What the web page reads that the rest of the API does not say in one answer: a plan as the
page draws it (bars per resource with the plant's off-shift and downtime windows, KPI cards,
late orders: ``service.gantt``), a what-if's proposal against the baseline it was judged on,
and which plan is released, if any."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from solver.daily.records import book_of
from solver.domain.plan import Plan
from solver.service import deps
from solver.service.deps import StoreDep
from solver.service.errors import ApiError
from solver.service.gantt import changed_orders, gantt_view
from solver.service.view_models import GanttView, ReleasedRef
from solver.store.store import Store
from solver.store.tables import PlanRow

router = APIRouter(tags=["page"])


@router.get("/released", response_model=ReleasedRef)
def released(db: StoreDep) -> dict:
    """The released plan's id and plant, or nulls when no plan is released: 200 either way,
    since a page asks before it knows (``GET /plans/released`` is 404 then)."""
    plan_id = db.released_id()
    if plan_id is None:
        return {"plan_id": None, "plant_id": None}
    return {"plan_id": plan_id, "plant_id": db.plan_row(plan_id).plant_id}


@router.get("/plans/{reference}/gantt", response_model=GanttView, responses={404: {}})
def plan_gantt(
    reference: str,
    db: StoreDep,
    against: Annotated[
        str | None,
        Query(description="a plan to compare with (id, released, released~N): marks moved steps"),
    ] = None,
) -> dict:
    """A plan as the web page draws it: one bar per step with its order's priority class,
    lateness, whether it moved (against another plan) and whether its order is one the plan's
    change set names; the resources' off-shift and downtime windows; KPI cards; late orders."""
    row = deps.plan_row(db, reference)
    if against is None:
        return _view(db, row, None, [], None, None)
    other = deps.plan_row(db, against)
    return _view(db, row, db.plan_of(other), other.changes or [], other.id, f"plan {other.id}")


@router.get("/whatifs/{evaluation_id}/gantt", response_model=GanttView, responses={404: {}})
def proposal_gantt(
    evaluation_id: int,
    db: StoreDep,
    variant: Annotated[
        str | None, Query(description="the variant's proposal; default: the first")
    ] = None,
) -> dict:
    """A what-if's proposal as the web page draws it, its moved steps against the baseline
    the what-if was judged on (the released plan carried to the moment of asking, which may
    differ from the released plan itself), and the orders of its own changes marked (not
    those the released plan carried already)."""
    evaluation = deps.evaluation_row(db, evaluation_id)
    proposals = {p.variant: p for p in db.proposals(evaluation.id)}
    if not proposals:
        raise ApiError(404, f"what-if {evaluation.id} has no proposal (no variant has a plan)")
    name = variant if variant is not None else next(iter(proposals))
    if name not in proposals:
        raise ApiError(
            404,
            f"what-if {evaluation.id} has no proposal {name!r}; the variants with a proposal "
            f"are {', '.join(str(v) for v in proposals)}",
        )
    baseline = Plan.from_dict(evaluation.result["baseline"], f"what-if {evaluation.id} baseline")
    carried = []
    if evaluation.released_id is not None:
        carried = db.plan_row(str(evaluation.released_id)).changes or []
    label = f"the baseline of what-if {evaluation.id}"
    return _view(db, proposals[name], baseline, carried, evaluation.baseline_id, label)


def _view(
    db: Store,
    row: PlanRow,
    baseline: Plan | None,
    carried: list[dict],
    against: int | None,
    compared_with: str | None,
) -> dict:
    plant = book_of(db, row)
    view = gantt_view(
        plant,
        db.plan_of(row),
        now=datetime.fromisoformat(row.now) if row.now else None,
        kpis=row.kpis,
        baseline=baseline,
        changed=changed_orders(row.changes or [], carried),
    )
    return {
        **view,
        "plan_id": row.id,
        "name": row.name,
        "kind": row.kind,
        "released": row.id == db.released_id(),
        "plant_id": row.plant_id,
        "plant_name": plant.name,
        "against": against,
        "compared_with": compared_with,
    }
