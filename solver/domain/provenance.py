"""How a plan was made: engine and solver versions, seed, limits, workers, determinism, inputs.

A plan JSON or a bench row carries these fields so that a reader can tell whether two results
are comparable and repeat a run: the same input hash, settings and seed with ``deterministic``
on give the same plan.
"""

from __future__ import annotations

import dataclasses
import hashlib
import platform
from importlib import metadata

import ortools

from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.domain.settings import Settings


def engine_version() -> str:
    """The installed replan version, or ``unknown`` when run from an uninstalled tree."""
    try:
        return metadata.version("replan")
    except metadata.PackageNotFoundError:
        return "unknown"


def combined_hash(*parts: str) -> str:
    """One sha256 over several input hashes (a plant and the scenario that changes it)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def provenance(settings: Settings, input_hash: str) -> dict[str, object]:
    """The provenance fields for a plan made with these settings from these inputs."""
    deterministic = bool(settings.deterministic)
    return {
        "engine": engine_version(),
        "ortools": ortools.__version__,
        "python": platform.python_version(),
        "input_hash": input_hash,
        "seed": settings.seed,
        "workers": settings.workers,
        "search": settings.search,
        "presolve": settings.presolve,
        "time_limit": settings.time_limit,
        "deterministic": deterministic,
        "deterministic_time": (
            (settings.deterministic_time or settings.time_limit) if deterministic else None
        ),
        "wall_cap_factor": settings.wall_cap_factor if deterministic else None,
        "wall_cap_min": settings.wall_cap_min if deterministic else None,
    }


def stamp(plan: Plan, plant: Plant, input_hash: str | None = None) -> Plan:
    """The plan with its provenance (the plant's settings); ``input_hash`` defaults to the plant's."""
    record = provenance(plant.settings, input_hash if input_hash is not None else plant.input_hash)
    return dataclasses.replace(plan, provenance=record)
