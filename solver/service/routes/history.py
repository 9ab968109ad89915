"""History: released plans and decisions (accepted, rejected, superseded), newest first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from solver.domain.errors import DataError
from solver.domain.timegrid import parse_duration
from solver.service.deps import StoreDep
from solver.service.errors import ApiError
from solver.store.store import Decision, now_utc

router = APIRouter(tags=["history"])


@router.get("/history", response_model=list[Decision])
def history(
    db: StoreDep,
    since: Annotated[str | None, Query(description="only the last period, e.g. 30d")] = None,
    limit: Annotated[int | None, Query(ge=1, le=10_000)] = None,
) -> list[Decision]:
    """Decisions, newest first (``replan history``)."""
    start = None
    if since:
        try:
            start = now_utc() - parse_duration(since)
        except (ValueError, DataError) as exc:
            raise ApiError(422, f"since: {exc}; give a duration such as 30d or 12h") from None
    return db.history(start, limit)
