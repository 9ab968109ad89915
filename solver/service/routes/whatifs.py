"""What-ifs: evaluate a change set against the released plan (a job), list and get the stored
evaluations with their verdicts, accept a variant's proposal, reject.
"""

from __future__ import annotations

from fastapi import APIRouter

from solver.domain.errors import DataError
from solver.service import deps
from solver.service.deps import RunnerDep, SettingsDep, StoreDep
from solver.service.errors import ApiError, summary
from solver.service.models import (
    Accept,
    Accepted,
    Decide,
    Job,
    Rejected,
    WhatIfDetail,
    WhatIfRequest,
    WhatIfSummary,
)
from solver.service.work import scenario_of
from solver.store.store import Store
from solver.store.tables import EvaluationRow
from solver.strategies import get_strategy

router = APIRouter(prefix="/whatifs", tags=["what-ifs"])

DEFAULT_WHATIF_LIMIT = 4.0  # settings.whatif_time_limit's default, for the Retry-After guess


@router.post(
    "",
    status_code=202,
    response_model=Job,
    responses={429: {"description": "every solve slot is taken; see Retry-After"}},
)
def submit_whatif(body: WhatIfRequest, db: StoreDep, service: SettingsDep, jobs: RunnerDep) -> dict:
    """Evaluate a change set against the released plan, as ``replan whatif --store``: a job.

    The changes are a scenario file's (``changes``, ``variants``, ``now``, ``settings``) or
    quick entries. The change set is checked before the job starts (422 naming the change
    and field); problems only the plant can tell (an unknown customer) fail the job with the
    same detail. When done, ``result.evaluation_id`` is the stored evaluation.
    """
    plant_id = body.plant if body.plant is not None else _released_plant(db)
    deps.plant_row(db, plant_id)
    overrides = deps.solve_settings(body, service, whatif_time_limit=body.whatif_time_limit)
    if body.strategy is not None:
        try:
            get_strategy(body.strategy)
        except ValueError as exc:
            raise ApiError(422, f"strategy: {exc}") from None
    asked = body.model_dump(
        mode="json",
        by_alias=True,
        exclude_none=True,
        include={"now", "changes", "variants", "quick", "settings", "description"},
    )
    # Checked here, so that a bad change set is 422 now rather than a failed job later.
    scenario, _ = scenario_of(asked, f"store plant {plant_id}")
    payload = {
        "plant_id": plant_id,
        "machine": overrides,
        "strategy": body.strategy,
        "scenario": asked,
    }
    sets = len(scenario.change_sets())
    limit = body.whatif_time_limit or DEFAULT_WHATIF_LIMIT
    estimate = body.time_limit + 3 * limit * sets
    return deps.submit(
        jobs, "whatif", payload, estimate, lambda r: f"/whatifs/{r['evaluation_id']}"
    )


@router.get("", response_model=list[WhatIfSummary])
def list_whatifs(db: StoreDep) -> list[dict]:
    """Stored evaluations, newest first, with their verdicts and decisions."""
    return [_summary(db, row) for row in reversed(db.evaluations())]


@router.get("/{evaluation_id}", response_model=WhatIfDetail, responses={404: {}})
def get_whatif(evaluation_id: int, db: StoreDep) -> dict:
    """A stored evaluation: the verdict of each change set (``result.outcomes[i].verdict``),
    the options, moves, warnings and costs, as ``replan whatif --json`` writes them."""
    row = deps.evaluation_row(db, evaluation_id)
    return {
        **_summary(db, row),
        "scenario_text": row.scenario_text,
        "proposals": {p.variant: p.id for p in db.proposals(row.id)},
        "result": row.result,
    }


@router.post(
    "/{evaluation_id}/accept",
    response_model=Accepted,
    responses={404: {}, 409: {"description": "stale (the released plan changed) or decided"}},
)
def accept(evaluation_id: int, body: Accept, db: StoreDep) -> dict:
    """Release the proposal of a variant (the first with a plan by default), with a note.

    Refused (409) when the released plan changed since the evaluation: its verdict was about
    another plan; evaluate the change again.
    """
    row = deps.evaluation_row(db, evaluation_id)
    variants = [p.variant for p in db.proposals(row.id)]
    if body.variant is not None and body.variant not in variants:
        raise ApiError(
            404,
            f"what-if {row.id} has no proposal {body.variant!r}; the variants with a proposal "
            f"are {', '.join(str(v) for v in variants) or 'none'}",
        )
    try:
        plan_id = db.accept(row.id, body.variant, by=deps.by(body.by), note=body.note)
    except DataError as exc:
        raise ApiError(409, summary(exc.problems), exc.problems) from None
    return {"evaluation_id": row.id, "plan_id": plan_id}


@router.post("/{evaluation_id}/reject", response_model=Rejected, responses={404: {}})
def reject(evaluation_id: int, body: Decide, db: StoreDep) -> dict:
    """Record that the what-if was rejected, with a note."""
    row = deps.evaluation_row(db, evaluation_id)
    db.reject(row.id, by=deps.by(body.by), note=body.note)
    return {"evaluation_id": row.id}


def _released_plant(db: Store) -> int:
    released = db.released_id()
    if released is None:
        raise ApiError(
            422,
            "no plan has been released yet: give `plant`, or release a plan first",
            [],
        )
    return db.plan_row(released).plant_id


def _summary(db: Store, row: EvaluationRow) -> dict:
    return {
        "id": row.id,
        "created_at": row.created_at,
        "plant_id": row.plant_id,
        "verdict": row.verdict,
        "baseline_id": row.baseline_id,
        "released_id": row.released_id,
        "decisions": db.decisions_of(row.id),
    }
