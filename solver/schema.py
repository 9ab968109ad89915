"""The plant file's schema (pydantic): field types, defaults and per-field checks.

Cross-record rules (references, duplicates, capacity against the horizon) live in
``validation.py``; this module only says what each record looks like.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from solver.settings import Settings
from solver.timegrid import parse_clock, parse_duration, parse_end, parse_start

Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(lambda d: f"{d.total_seconds():g}s", return_type=str),
    Field(json_schema_extra={"type": "string", "examples": ["90m", "1h30m", "2d"]}),
]
StartTime = Annotated[
    datetime,
    BeforeValidator(parse_start),
    Field(json_schema_extra={"examples": ["2026-11-23T06:00", "2026-11-23"]}),
]
EndTime = Annotated[
    datetime,
    BeforeValidator(parse_end),
    Field(json_schema_extra={"examples": ["2026-12-01T14:00", "2026-12-01"]}),
]
Clock = Annotated[
    time,
    BeforeValidator(parse_clock),
    Field(json_schema_extra={"type": "string", "examples": ["06:00", "22:00", "24:00"]}),
]
Text = Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, int | float) else v)]
Id = Annotated[Text, Field(min_length=1, description="unique id of the record")]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class PlantHeader(Record):
    """When the plan starts, how fine its time grid is and how far it looks."""

    name: Text = "plant"
    start: StartTime
    resolution: Duration = timedelta(minutes=1)
    horizon: Duration
    currency: Text = ""


class ShiftModel(Record):
    days: list[Weekday] = Field(min_length=1)
    start: Clock
    end: Clock = Field(description="at or before start means the shift ends the next day")


class ClosureModel(Record):
    start: StartTime = Field(alias="from")
    end: EndTime = Field(alias="to")
    reason: Text = ""


class CalendarModel(Record):
    id: Id
    shifts: list[ShiftModel] = Field(min_length=1)
    holidays: list[date] = []
    closures: list[ClosureModel] = []


class DowntimeModel(Record):
    start: StartTime = Field(alias="from")
    end: EndTime = Field(alias="to")
    units: int | None = Field(default=None, ge=1, description="pool units down; all if absent")
    reason: Text = ""


class ResourceModel(Record):
    id: Id
    name: Text = ""
    capacity: int = Field(default=1, ge=1, description="1 = a machine, k = a pool of k units")
    calendar: Text | None = Field(default=None, description="calendar id; absent = 24/7")
    downtime: list[DowntimeModel] = []


class OptionModel(Record):
    resource: Text
    per_unit: Duration = timedelta(0)
    setup: Duration = timedelta(0)


class StepModel(Record):
    id: Id
    resources: list[OptionModel] = Field(min_length=1, description="eligible alternatives")
    min_lag: Duration = Field(default=timedelta(0), description="minimum wait before next step")


class BomLineModel(Record):
    material: Text
    per_unit: float = Field(gt=0, description="material units per unit of product")


class ProductModel(Record):
    id: Id
    name: Text = ""
    family: Text = ""
    unit_cost: float = Field(ge=0, description="conversion cost per unit, materials excluded")
    routing: list[StepModel] = Field(min_length=1)
    bom: list[BomLineModel] = Field(default=[], description="bill of materials")
    stock: int = Field(default=0, ge=0, description="finished goods on hand")


class ReceiptModel(Record):
    """An open purchase order on its way."""

    id: Text = ""
    quantity: int = Field(gt=0)
    arrival: StartTime
    supplier: Text = ""


class MaterialModel(Record):
    id: Id
    name: Text = ""
    unit_cost: float = Field(default=0, ge=0, description="value per unit, for holding cost")
    stock: int = Field(default=0, ge=0, description="units on hand at plan start")
    receipts: list[ReceiptModel] = []


class ExpediteModel(Record):
    name: Text = Field(min_length=1, description="e.g. truck, air, hand-carry")
    lead_time: Duration
    cost_per_unit: float = Field(default=0, ge=0)
    cost_per_shipment: float = Field(default=0, ge=0)


class OfferModel(Record):
    material: Text
    lead_time: Duration
    price: float = Field(ge=0, description="unit price")
    capacity: int | None = Field(
        default=None, ge=1, description="units per supplier period; absent = unlimited"
    )
    min_order: int = Field(default=0, ge=0, description="minimum units per shipment")
    expedite: list[ExpediteModel] = []


class SupplierModel(Record):
    id: Id
    name: Text = ""
    reliability: float = Field(default=1.0, gt=0, le=1, description="share delivered on time")
    period: Duration = Field(default=timedelta(days=7), description="capacity period")
    offers: list[OfferModel] = Field(min_length=1)


class CustomerModel(Record):
    id: Id
    name: Text = ""
    tier: Text = Field(description="a key of settings.tiers, e.g. A, B, C")
    credit_limit: float | None = Field(default=None, ge=0)


class OrderModel(Record):
    id: Id
    customer: Text
    product: Text
    quantity: int = Field(gt=0)
    due: EndTime
    price: float = Field(ge=0, description="unit price")
    release: StartTime | None = None
    status: Literal["firm", "proposed", "forecast"] = "firm"
    channel: Text = ""


class WipModel(Record):
    """A step already started: it keeps its resource and start; earlier steps are done."""

    order: Text
    step: Text
    resource: Text
    start: StartTime


class PlantFile(Record):
    """A plant model file. ``orders`` may instead name a CSV file (path relative to the YAML)."""

    plant: PlantHeader
    settings: Settings = Settings()
    calendars: list[CalendarModel] = []
    resources: list[ResourceModel] = Field(min_length=1)
    products: list[ProductModel] = Field(min_length=1)
    customers: list[CustomerModel] = Field(min_length=1)
    orders: list[OrderModel] | str = []
    wip: list[WipModel] = []
    materials: list[MaterialModel] = []
    suppliers: list[SupplierModel] = []
