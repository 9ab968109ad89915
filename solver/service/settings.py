"""The server's own settings: where it listens, how many solves run at once, its token.

They are not engine settings (a plant file cannot change them), so they live here rather than
in ``domain.settings``; they are validated the same way, once, into typed values, and a bad
value is a ``DataError`` naming the option.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from solver.domain.errors import DataError, Problem

TOKEN_VARIABLE = "REPLAN_API_TOKEN"
SOURCE = "command line"
DEFAULT_STORE = "replan.db"  # without --store or $REPLAN_STORE: a SQLite file here


class ServiceSettings(BaseModel):
    """Settings of ``replan serve``.

    Attributes
    ----------
    host : str
        Address to listen on; loopback (``127.0.0.1``) by default. Any other address needs a
        token.
    port : int
    max_solves : int
        Solves (plan and what-if jobs) running at once; a job submitted beyond it is refused
        with 429 and ``Retry-After``. Each solve is one child process with its own CP-SAT
        workers, so this times a request's ``workers`` is the cores the server may use.
    token : str or None
        The bearer token every request must carry (``Authorization: Bearer ...``); None: no
        token asked for (loopback only).
    max_upload_mb : float
        Largest plant upload (JSON or zip, unpacked) accepted.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 8000
    max_solves: Annotated[int, Field(ge=1, le=64)] = 2
    # Never in a repr or a log line.
    token: Annotated[str, Field(min_length=16)] | None = Field(default=None, repr=False)
    max_upload_mb: Annotated[float, Field(gt=0, le=10_000)] = 50.0


def service_settings(**values: object) -> ServiceSettings:
    """Validated settings (``None`` values left at their defaults).

    Raises
    ------
    DataError
        Naming each bad option and what would be valid; also a non-loopback host without a
        token.
    """
    given = {k: v for k, v in values.items() if v is not None}
    try:
        settings = ServiceSettings.model_validate(given)
    except ValidationError as exc:
        problems = [
            Problem(SOURCE, "serve", _option(error["loc"]), _message(error))
            for error in exc.errors()
        ]
        raise DataError(problems) from None
    if settings.token is None and not is_loopback(settings.host):
        raise DataError(
            [
                Problem(
                    SOURCE,
                    "serve",
                    "--host",
                    f"{settings.host} is not a loopback address: anyone who can reach it could "
                    f"plan and release; set an API token ({TOKEN_VARIABLE} or --token-file "
                    "FILE, 16 characters or more) or keep the default 127.0.0.1",
                )
            ]
        )
    return settings


def read_token(token_file: str | None) -> str | None:
    """The API token: the first line of ``token_file``, else ``$REPLAN_API_TOKEN``, else None.

    Raises
    ------
    DataError
        For a token file that cannot be read or is empty.
    """
    if token_file is not None:
        path = Path(token_file)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise DataError(
                [Problem(str(path), "token file", "", f"cannot read: {reason}")]
            ) from None
        token = text.strip().splitlines()[0].strip() if text.strip() else ""
        if not token:
            raise DataError([Problem(str(path), "token file", "", "is empty; give the token")])
        return token
    return os.environ.get(TOKEN_VARIABLE, "").strip() or None


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only (``localhost``, 127.0.0.0/8, ::1)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False


def _option(loc: tuple) -> str:
    name = str(loc[0]) if loc else ""
    return {"token": f"--token-file or ${TOKEN_VARIABLE}"}.get(name, "--" + name.replace("_", "-"))


def _message(error: dict) -> str:
    if error["loc"] and error["loc"][0] == "token":
        # Never echo the token itself.
        return "the API token must be at least 16 characters"
    return f"{error['msg'].removeprefix('Value error, ')} (got {error.get('input')!r})"
