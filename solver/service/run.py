"""``replan serve``: the API under uvicorn."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import uvicorn

from solver.domain.errors import DataError, Problem
from solver.service.app import create_app
from solver.service.settings import SOURCE, ServiceSettings, is_loopback


def serve(store_location: str | Path, settings: ServiceSettings) -> None:
    """Open the store, build the app and serve it until interrupted (Ctrl-C, SIGTERM).

    Parameters
    ----------
    store_location : str or Path
        A SQLite path or a SQLAlchemy URL.
    settings : ServiceSettings
        Validated (``service_settings``): a non-loopback host has a token.
    """
    _free(settings.host, settings.port)
    app = create_app(store_location, settings)
    where = "loopback only" if is_loopback(settings.host) else "reachable from the network"
    token = "token required" if settings.token else "no token"
    print(
        f"replan API on http://{settings.host}:{settings.port} ({where}, {token}); "
        f"store {app.state.store.label}; at most {settings.max_solves} solves at once; "
        "OpenAPI docs at /docs",
        file=sys.stderr,
    )
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info")


def _free(host: str, port: int) -> None:
    """Refuse an address that cannot be bound now (in use, not this machine's) as bad input,
    before the store is opened; uvicorn would only log it and exit 1, which `replan` uses
    for a plan that breaks a rule."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        family, kind, proto, _, address = infos[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise DataError(
            [Problem(SOURCE, "serve", "--host/--port", f"cannot listen on {host}:{port}: {reason}")]
        ) from None
