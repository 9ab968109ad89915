"""The FastAPI application: the store, the job runner, the routes, errors and the token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI

from solver.service import errors, pages
from solver.service.jobs import JobRunner
from solver.service.routes import history, jobs, plans, plants, views, whatifs
from solver.service.security import TokenMiddleware, bearer
from solver.service.settings import ServiceSettings
from solver.store.store import open_store

DESCRIPTION = """\
The planner's desk over HTTP: upload plants, plan them, ask what-ifs against the released
plan, accept or reject them, read the history of decisions and why an order is late.

Solves (`POST /plants/{id}/plans`, `POST /whatifs`) are **jobs**: they answer 202 with a job;
poll `GET /jobs/{id}`, follow `GET /jobs/{id}/events` (server-sent events) or cancel with
`DELETE /jobs/{id}`. At most `max_solves` run at once; one more is refused with 429 and
`Retry-After`. Bad input is 422 with the engine's problems (file, record, field, message).

The planner's web page is at `/` (it reads `GET /plans/{ref}/gantt` and `GET /released`).
"""


def create_app(store_location: str | Path, settings: ServiceSettings | None = None) -> FastAPI:
    """The API over the store at ``store_location`` (a SQLite path or a SQLAlchemy URL).

    Parameters
    ----------
    store_location : str or Path
        As ``--store`` takes it; the store is opened (and migrated) here.
    settings : ServiceSettings, optional
        ``max_solves``, the token, the upload limit; the defaults when not given.

    Returns
    -------
    FastAPI

    Raises
    ------
    DataError
        For a store URL that cannot be read.
    StoreError
        When the store cannot be opened or migrated.
    """
    settings = settings or ServiceSettings()
    store = open_store(store_location)
    runner = JobRunner(store.url, settings.max_solves)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        # Stopping: no solve process outlives the server.
        runner.shutdown()
        store.close()

    app = FastAPI(
        title="replan",
        description=DESCRIPTION,
        version=_version(),
        lifespan=lifespan,
    )
    app.state.store, app.state.runner, app.state.settings = store, runner, settings
    errors.install(app)
    secured = [Depends(bearer)] if settings.token else []
    for module in (plants, plans, views, whatifs, history, jobs):
        app.include_router(module.router, dependencies=secured)

    @app.get("/health", tags=["server"], dependencies=secured)
    def health() -> dict:
        """The server is up: its store, its solve limit and the solves running now."""
        running = sum(job.state in ("queued", "running") for job in runner.all())
        return {
            "status": "ok",
            "store": store.label,
            "max_solves": settings.max_solves,
            "solves_running": running,
        }

    pages.install(app)

    if settings.token:
        app.add_middleware(TokenMiddleware, token=settings.token)
    return app


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("replan")
    except PackageNotFoundError:  # a source tree that was never installed
        return "unknown"
