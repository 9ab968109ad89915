"""The planner's web page: ``/`` and its static files, shipped in the package (no build step,
no CDN), and plotly.js from the installed plotly package, loaded once and cached by the
browser rather than embedded in every page as the static report must.
"""

from __future__ import annotations

from pathlib import Path

import plotly
from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).resolve().parent / "static"
PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
# The page's own files change with the package: revalidate them (ETag) on every load.
FRESH = {"Cache-Control": "no-cache"}
# plotly.js changes only when the plotly package does: a day without asking again.
CACHED = {"Cache-Control": "public, max-age=86400"}

router = APIRouter(include_in_schema=False)


@router.get("/")
def index() -> FileResponse:
    """The page (``static/index.html``)."""
    return FileResponse(STATIC / "index.html", media_type="text/html", headers=FRESH)


@router.get("/vendor/plotly.min.js")
def plotly_js() -> FileResponse:
    """plotly.js as the installed plotly Python package bundles it."""
    return FileResponse(PLOTLY_JS, media_type="text/javascript", headers=CACHED)


def install(app: FastAPI) -> None:
    """Serve the page at ``/``, its files under ``/static`` and plotly.js under ``/vendor``.

    Parameters
    ----------
    app : FastAPI
        The service; the token middleware, when set, guards these paths as every other.
    """
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
