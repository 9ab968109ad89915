"""Request and response bodies of the HTTP API (pydantic, so OpenAPI documents them).

Plans are the plan file's own schema (``domain.plan_schema.PlanFile``) and change sets the
scenario file's change records (``changes.apply.Change``, ``changes.scenario.Variant``): the
API says nothing a file would say differently.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from solver.changes.apply import Change
from solver.changes.scenario import Variant
from solver.domain.plan_schema import PlanFile

JobState = Literal["queued", "running", "done", "failed", "cancelled"]
Name = Annotated[str, Field(max_length=200)]
Note = Annotated[str, Field(max_length=10_000)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- plants ------------------------------------------------------------------------------


class PlantUpload(_Body):
    """A plant's files as text: the model (YAML or JSON) and the tables it names (CSV)."""

    files: dict[Annotated[str, Field(min_length=1, max_length=300)], str] = Field(
        min_length=1,
        description="file name (relative, as the model names it) -> content (UTF-8 text)",
        examples=[{"demo.yaml": "plant: {...}", "demo-orders.csv": "id,customer,..."}],
    )
    model: Name | None = Field(
        default=None,
        description="which file is the model; may be left out when only one file is YAML/JSON",
    )


class PlantSummary(BaseModel):
    id: int
    name: str
    created_at: datetime
    input_hash: str
    source: str
    files: list[str]


class PlantDetail(PlantSummary):
    """A stored plant with the ids a what-if may name."""

    start: str
    resolution_seconds: float
    currency: str
    orders: list[str]
    customers: list[str]
    products: list[str]
    resources: list[str]
    warnings: list[str]


class PlantCreated(PlantDetail):
    created: bool = Field(description="false when a plant with the same files was stored already")


# -- solver options ----------------------------------------------------------------------


class SolveOptions(_Body):
    """How to solve: every solve the service runs has a time limit and a worker count."""

    time_limit: float = Field(
        default=10.0, gt=0, le=3600, description="seconds per solve (settings.time_limit)"
    )
    workers: int | None = Field(
        default=None,
        ge=1,
        le=256,
        description="CP-SAT workers; default: the machine's cores shared among max_solves",
    )
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    deterministic: bool | None = Field(
        default=None, description="repeatable solves; default off for plans, on for what-ifs"
    )
    memory: str | None = Field(default=None, description="memory budget, e.g. 500MB")


class PlanRequest(SolveOptions):
    name: Name | None = Field(default=None, description="the plan's name in the store")
    release: bool = Field(default=False, description="release the plan when it checks")
    by: Name = ""
    note: Note = ""


class QuickEntry(_Body):
    """A change typed as ``replan whatif``'s quick-entry flags are."""

    flag: Literal["add-order", "cancel", "due", "quantity"]
    values: list[Annotated[str, Field(max_length=1000)]] = Field(
        min_length=1,
        max_length=2,
        examples=[["RUSH-ACME,ACME,CTRL-100,150,2026-11-26,90"], ["SO-1007", "2026-12-01"]],
    )


class WhatIfRequest(SolveOptions):
    """A change set, as a scenario file gives it, evaluated against the released plan."""

    plant: int | None = Field(
        default=None, description="stored plant id; default: the released plan's plant"
    )
    now: str | None = Field(default=None, description="the moment of asking (ISO datetime)")
    changes: list[Change] = []
    variants: list[Variant] = []
    quick: list[QuickEntry] = Field(
        default=[], description="changes as quick-entry flags, in place of `changes`"
    )
    settings: dict[str, Any] = Field(
        default={}, description="settings over the plant's, as a scenario's `settings:`"
    )
    description: Note = ""
    whatif_time_limit: float | None = Field(
        default=None, gt=0, le=3600, description="seconds the solves of one answer share"
    )
    strategy: Name | None = Field(default=None, description="rescheduling strategy")


class Decide(_Body):
    by: Name = ""
    note: Note = ""


class Accept(Decide):
    variant: Name | None = Field(default=None, description="default: the first with a plan")


# -- plans -------------------------------------------------------------------------------


class PlanSummary(BaseModel):
    id: int
    name: str
    kind: str
    plant_id: int
    created_at: datetime
    status: str
    objective: float
    released: bool
    evaluation_id: int | None
    variant: str | None


class PlanDetail(PlanSummary):
    terms: dict[str, float]
    kpis: dict[str, Any]
    provenance: dict[str, Any]
    changes: list[dict[str, Any]]
    now: str | None
    parent_id: int | None
    plan: PlanFile


class Released(BaseModel):
    plan_id: int
    released: bool = True


class Violations(BaseModel):
    detail: str
    violations: list[str]


class DiffOrder(BaseModel):
    order: str
    change: str
    completion_a: str | None
    completion_b: str | None
    late_a: bool
    late_b: bool
    resources_a: str
    resources_b: str
    purchases_a: str
    purchases_b: str
    what: str
    later_by_hours: float | None


class PlanDiffOut(BaseModel):
    a: str
    b: str
    orders: list[DiffOrder]
    kpis: list[dict[str, Any]]


# -- what-ifs and decisions ---------------------------------------------------------------


class WhatIfSummary(BaseModel):
    id: int
    created_at: datetime
    plant_id: int
    verdict: str
    baseline_id: int | None
    released_id: int | None
    decisions: list[str]


class WhatIfDetail(WhatIfSummary):
    scenario_text: str
    proposals: dict[str, int] = Field(description="variant -> plan id of its proposal")
    result: dict[str, Any] = Field(description="the evaluation as `replan whatif --json`")


class Accepted(BaseModel):
    evaluation_id: int
    plan_id: int = Field(description="the proposal now released")


class Rejected(BaseModel):
    evaluation_id: int
    rejected: bool = True


# -- jobs --------------------------------------------------------------------------------


class JobError(BaseModel):
    status: int = Field(description="the HTTP status the error would have had in a request")
    detail: str
    problems: list[dict[str, str]] = []


class Job(BaseModel):
    id: str
    kind: Literal["plan", "whatif"]
    state: JobState
    created_at: datetime
    started_at: datetime | None = None
    ended_at: datetime | None = None
    result: dict[str, Any] | None = None
    result_url: str | None = Field(default=None, description="where the result is, when done")
    error: JobError | None = None
    progress: dict[str, Any] | None = Field(default=None, description="latest solver progress")


class Problems(BaseModel):
    """A 4xx answer about bad input: the engine's problems, each with file, record, field."""

    detail: str
    problems: list[dict[str, str]] = []
