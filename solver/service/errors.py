"""Errors as HTTP answers: bad input 422 with the engine's problems, unknown ids 404, a store
that cannot be reached 503, and never a traceback in a response.
"""

from __future__ import annotations

import dataclasses
import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from solver.domain.errors import DataError, Problem, SolveError
from solver.store.store import StoreError

log = logging.getLogger("replan.service")


class ApiError(Exception):
    """An answer other than success, raised by a route: status, a sentence, the problems."""

    def __init__(
        self,
        status: int,
        detail: str,
        problems: list[Problem] | None = None,
        headers: dict[str, str] | None = None,
        **extra: object,
    ):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.problems = list(problems or [])
        self.headers = headers
        self.extra = extra


def problem_dicts(problems: list[Problem]) -> list[dict[str, str]]:
    return [dataclasses.asdict(p) for p in problems]


def summary(problems: list[Problem]) -> str:
    """One line for ``detail``: the problem itself when there is one, else how many."""
    if len(problems) == 1:
        return str(problems[0])
    return f"{len(problems)} problems in the input"


def not_found(exc: DataError) -> ApiError:
    """The store's 'no such id' (a DataError) as 404."""
    return ApiError(404, summary(exc.problems), exc.problems)


def install(app: FastAPI) -> None:
    """Register the handlers that turn the engine's exceptions into answers."""

    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> JSONResponse:
        body = {"detail": exc.detail, "problems": problem_dicts(exc.problems), **exc.extra}
        return JSONResponse(body, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> JSONResponse:
        body = {"detail": summary(exc.problems), "problems": problem_dicts(exc.problems)}
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StoreError)
    async def _store(request: Request, exc: StoreError) -> JSONResponse:
        return JSONResponse({"detail": f"store unavailable: {exc}"}, status_code=503)

    @app.exception_handler(SolveError)
    async def _solve(request: Request, exc: SolveError) -> JSONResponse:
        return JSONResponse({"detail": f"no plan: {exc}"}, status_code=422)

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        # The traceback goes to the server's log, never to the caller.
        log.exception("internal error on %s %s", request.method, request.url.path)
        return JSONResponse(
            {"detail": f"internal error: {type(exc).__name__}; see the server log"},
            status_code=500,
        )
