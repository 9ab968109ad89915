"""Plants: upload (files as JSON text, or a zip of the plant's folder), list, get; and a plan
of a stored plant, submitted as a job.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from solver.domain.plant import Plant
from solver.service import deps
from solver.service.deps import RunnerDep, SettingsDep, StoreDep
from solver.service.errors import ApiError
from solver.service.models import (
    Job,
    PlanRequest,
    PlantCreated,
    PlantDetail,
    PlantSummary,
    PlantUpload,
)
from solver.service.settings import ServiceSettings
from solver.service.uploads import read_zip, store_upload
from solver.store.store import Store
from solver.store.tables import PlantRow

router = APIRouter(prefix="/plants", tags=["plants"])


ZIP_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.post("", status_code=201, response_model=PlantCreated)
def upload_plant(body: PlantUpload, db: StoreDep, service: SettingsDep) -> dict:
    """Store a plant given as its files' text: the model (YAML or JSON) and its tables.

    The plant is loaded with every rule a file gets: a bad plant is 422 with each problem's
    file, record and field. Uploading the same files again gives the stored plant.
    """
    files = {name: text.encode("utf-8") for name, text in body.files.items()}
    return _stored(db, files, body.model, service)


@router.post("/zip", status_code=201, response_model=PlantCreated, openapi_extra=ZIP_BODY)
async def upload_plant_zip(
    request: Request,
    db: StoreDep,
    service: SettingsDep,
    model: Annotated[str | None, Query(description="the model file in the zip")] = None,
) -> dict:
    """Store a plant given as a zip of its folder (the model and the tables it names)."""
    limit = _limit(service)
    data = await request.body()
    if len(data) > limit:
        raise ApiError(413, f"the upload is larger than {service.max_upload_mb:g} MB")
    # Loading validates and hashes every file: off the event loop.
    return await run_in_threadpool(lambda: _stored(db, read_zip(data, limit), model, service))


@router.get("", response_model=list[PlantSummary])
def list_plants(db: StoreDep) -> list[dict]:
    """Every stored plant, oldest first."""
    return [_summary(row) for row in db.plants()]


@router.get("/{plant_id}", response_model=PlantDetail)
def get_plant(plant_id: int, db: StoreDep) -> dict:
    """A stored plant, with the ids of its orders, customers, products and resources."""
    row = deps.plant_row(db, plant_id)
    return _detail(row, db.load_plant(plant_id))


@router.post(
    "/{plant_id}/plans",
    status_code=202,
    response_model=Job,
    responses={429: {"description": "every solve slot is taken; see Retry-After"}},
)
def plan_plant(
    plant_id: int, body: PlanRequest, db: StoreDep, service: SettingsDep, jobs: RunnerDep
) -> dict:
    """Plan every order of a stored plant, as ``replan plan --store``: a job.

    Poll ``GET /jobs/{id}``; when done, ``result.plan_id`` is the stored plan (released when
    ``release`` was asked and the plan checks).
    """
    deps.plant_row(db, plant_id)
    payload = {
        "plant_id": plant_id,
        "machine": deps.solve_settings(body, service),
        "name": body.name,
        "release": body.release,
        "by": deps.by(body.by),
        "note": body.note,
    }
    return deps.submit(
        jobs, "plan", payload, body.time_limit + 5, lambda r: f"/plans/{r['plan_id']}"
    )


def _stored(db: Store, files: dict[str, bytes], model: str | None, service) -> dict:
    plant_id, plant, created = store_upload(db, files, model, _limit(service))
    return {**_detail(db.plant_row(plant_id), plant), "created": created}


def _limit(service: ServiceSettings) -> int:
    return int(service.max_upload_mb * 2**20)


def _summary(row: PlantRow) -> dict:
    return {
        "id": row.id,
        "name": row.name,
        "created_at": row.created_at,
        "input_hash": row.input_hash,
        "source": row.source,
        "files": sorted(k for k in row.files if k != "__model__"),
    }


def _detail(row: PlantRow, plant: Plant) -> dict:
    return {
        **_summary(row),
        "start": plant.grid.to_datetime(0).isoformat(),
        "resolution_seconds": plant.grid.to_timedelta(1).total_seconds(),
        "currency": plant.currency,
        "orders": sorted(plant.orders),
        "customers": sorted(plant.customers),
        "products": sorted(plant.products),
        "resources": sorted(plant.resources),
        "warnings": [str(w) for w in plant.warnings],
    }
