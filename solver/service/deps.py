"""What the routes share: the store, the job runner and the server's settings (on
``app.state``), and the helpers that turn a missing id into 404.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from solver.domain.errors import DataError
from solver.domain.settings import Settings
from solver.input.loading import override_settings
from solver.service.errors import ApiError, not_found, summary
from solver.service.jobs import Busy, JobRunner
from solver.service.models import SolveOptions
from solver.service.settings import ServiceSettings
from solver.store.store import Store
from solver.store.tables import EvaluationRow, PlanRow, PlantRow

REQUEST = "request"  # how the request body is named in problems


def store(request: Request) -> Store:
    return request.app.state.store


def runner(request: Request) -> JobRunner:
    return request.app.state.runner


def settings(request: Request) -> ServiceSettings:
    return request.app.state.settings


# What a route declares to be handed the store, the server's settings or the job runner.
StoreDep = Annotated[Store, Depends(store)]
SettingsDep = Annotated[ServiceSettings, Depends(settings)]
RunnerDep = Annotated[JobRunner, Depends(runner)]


def plant_row(db: Store, plant_id: int) -> PlantRow:
    try:
        return db.plant_row(plant_id)
    except DataError as exc:
        raise not_found(exc) from None


def plan_row(db: Store, reference: str) -> PlanRow:
    """The plan an id, ``released``, ``released~N`` or ``candidate`` names, else 404."""
    try:
        return db.plan_row(reference)
    except DataError as exc:
        raise not_found(exc) from None


def evaluation_row(db: Store, evaluation_id: int) -> EvaluationRow:
    try:
        return db.evaluation_row(evaluation_id)
    except DataError as exc:
        raise not_found(exc) from None


def by(name: str) -> str:
    """Who decides: as given, else ``api`` (the CLI's $USER has no meaning here)."""
    return name.strip() or "api"


def solve_settings(options: SolveOptions, service: ServiceSettings, **more: object) -> dict:
    """The engine settings of a job: always a time limit and an explicit worker count.

    Workers default to the cores shared among the solves that may run at once, so that N
    solves do not each take every core.

    Raises
    ------
    ApiError
        422 for a value the engine's settings refuse, naming the field.
    """
    workers = options.workers or max(1, (os.cpu_count() or 1) // service.max_solves)
    overrides = {
        "time_limit": options.time_limit,
        "workers": workers,
        "seed": options.seed,
        "deterministic": options.deterministic,
        "memory": options.memory,
        **more,
    }
    overrides = {k: v for k, v in overrides.items() if v is not None}
    _, problems = override_settings(Settings(), overrides, REQUEST)
    if problems:
        raise ApiError(422, summary(problems), problems)
    return overrides


def submit(
    jobs: JobRunner, kind: str, payload: dict, estimate: float, url: Callable[[dict], str]
) -> dict:
    """Start a job and give its view (answered with 202).

    Parameters
    ----------
    jobs : JobRunner
    kind : str
        ``plan`` or ``whatif`` (``work.run``).
    payload : dict
        What the job's process needs, plain values only (it is pickled to the process).
    estimate : float
        Seconds the solve should take, for the Retry-After of the requests it turns away.
    url : callable
        The result's address from the result (``/plans/7``).

    Raises
    ------
    ApiError
        429 with ``Retry-After`` when every solve slot is taken.
    """
    try:
        return jobs.submit(kind, payload, estimate, url).view()
    except Busy as exc:
        raise ApiError(
            429, f"{exc}; try again later", headers={"Retry-After": str(exc.retry_after)}
        ) from None
