"""The plant file's schema (pydantic): field types, defaults and per-field checks.

Cross-record rules (references, duplicates, capacity against the horizon) live in
``validation.py``; this module only says what each record looks like.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)

from solver.domain.settings import Settings
from solver.domain.timegrid import (
    format_duration,
    parse_clock,
    parse_day,
    parse_duration,
    parse_end,
    parse_start,
)

# Input limits (README, "Input rules"). The CP-SAT model is integer: ticks, units and money
# in objective units (100 x ticks per day per currency unit, solver/costs.py) must stay well
# inside int64; every coefficient and bound is kept below MAX_MODEL_VALUE = 2**50, which
# leaves a factor of 8192 for sums of terms. Field limits here are generous absolute bounds;
# validation.py checks the products of fields against MAX_MODEL_VALUE with the real grid.
MAX_MODEL_VALUE = 2**50
MAX_QUANTITY = 10**9  # units of an order, stock, a receipt, a supplier's capacity
MAX_CAPACITY = 10_000  # units of a resource pool
MAX_UNIT_PRICE = 10**9  # money per unit: prices, unit costs, costs per unit
MAX_AMOUNT = 10**12  # money in one amount: a shipment charge, a credit limit
MAX_PER_UNIT = 10**6  # material units per unit of product
MAX_TICKS = 2**24  # ticks of the horizon and of one step (e.g. 31 years of minutes)
MIN_RESOLUTION, MAX_RESOLUTION = timedelta(seconds=1), timedelta(days=1)

Quantity = Annotated[int, Field(gt=0, le=MAX_QUANTITY)]
Count = Annotated[int, Field(ge=0, le=MAX_QUANTITY)]
UnitPrice = Annotated[float, Field(ge=0, le=MAX_UNIT_PRICE)]
Amount = Annotated[float, Field(ge=0, le=MAX_AMOUNT)]

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
Day = Annotated[date, BeforeValidator(parse_day)]
Text = Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, int | float) else v)]
Id = Annotated[Text, Field(min_length=1, description="unique id of the record")]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False)


class PlantHeader(Record):
    """When the plan starts, how fine its time grid is and how far it looks."""

    name: Text = "plant"
    start: StartTime
    resolution: Duration = timedelta(minutes=1)
    horizon: Duration
    currency: Text = ""

    @field_validator("resolution")
    @classmethod
    def _resolution_in_range(cls, value: timedelta) -> timedelta:
        if not MIN_RESOLUTION <= value <= MAX_RESOLUTION:
            raise ValueError(
                f"{value.total_seconds():g}s is outside 1s..1d; give a grid between a "
                "second and a day, e.g. 1m or 5m"
            )
        return value

    @field_validator("horizon")
    @classmethod
    def _horizon_positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("must be longer than zero, e.g. 4w")
        return value

    @model_validator(mode="after")
    def _horizon_ticks(self) -> PlantHeader:
        ticks = self.horizon / self.resolution
        if ticks > MAX_TICKS:
            raise ValueError(
                f"horizon {format_duration(self.horizon)} is {ticks:,.0f} ticks of "
                f"{self.resolution}; at most {MAX_TICKS:,} ticks fit the model: give a "
                "coarser plant.resolution or a shorter plant.horizon"
            )
        return self


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
    holidays: list[Day] = []
    closures: list[ClosureModel] = []


class DowntimeModel(Record):
    start: StartTime = Field(alias="from")
    end: EndTime = Field(alias="to")
    units: int | None = Field(
        default=None, ge=1, le=MAX_CAPACITY, description="pool units down; all if absent"
    )
    reason: Text = ""


class ResourceModel(Record):
    id: Id
    name: Text = ""
    capacity: int = Field(
        default=1, ge=1, le=MAX_CAPACITY, description="1 = a machine, k = a pool of k units"
    )
    calendar: Text | None = Field(default=None, description="calendar id; absent = 24/7")
    downtime: list[DowntimeModel] = []
    overtime_cost_per_hour: float | None = Field(
        default=None, ge=0, description="money per hour of overtime; absent = the setting's"
    )


class OptionModel(Record):
    resource: Text
    per_unit: Duration = timedelta(0)
    setup: Duration = timedelta(0)


class StepModel(Record):
    id: Id
    resources: list[OptionModel] = Field(min_length=1, description="eligible alternatives")
    min_lag: Duration = Field(default=timedelta(0), description="minimum wait before next step")
    may_pause: bool | None = Field(
        default=None,
        description=(
            "true: the work stops at the end of a working window and resumes at the next; "
            "false: it fits inside one window; absent: it pauses only when longer than its "
            "resource's longest window"
        ),
    )


class BomLineModel(Record):
    material: Text
    per_unit: float = Field(gt=0, le=MAX_PER_UNIT, description="material units per unit of product")
    step: Text = Field(
        default="",
        description="routing step id whose start draws the material (default: the first step)",
    )


class ProductModel(Record):
    id: Id
    name: Text = ""
    family: Text = ""
    unit_cost: UnitPrice = Field(description="conversion cost per unit, materials excluded")
    routing: list[StepModel] = Field(min_length=1)
    bom: list[BomLineModel] = Field(default=[], description="bill of materials")
    stock: Count = Field(default=0, description="finished goods on hand")


class ChangeoverModel(Record):
    """A machine's sequence-dependent setups by product family (constraint family 4)."""

    resource: Text = Field(description="a machine (capacity 1)")
    matrix: dict[Text, dict[Text, Duration]] = Field(
        default={},
        description="family before -> family after -> time between the two steps",
        json_schema_extra={"examples": [{"industrial": {"consumer": "90m"}}]},
    )
    default: Duration = Field(
        default=timedelta(0), description="between different families the matrix does not list"
    )

    @field_validator("matrix")
    @classmethod
    def _times_not_negative(cls, value: dict) -> dict:
        for before, row in value.items():
            for after, when in row.items():
                if when < timedelta(0):
                    raise ValueError(
                        f"{before} -> {after} is {when}, below zero; give a time of 0 or more"
                    )
        return value

    @field_validator("default")
    @classmethod
    def _default_not_negative(cls, value: timedelta) -> timedelta:
        if value < timedelta(0):
            raise ValueError(f"{value} is below zero; give a time of 0 or more, e.g. 30m")
        return value


class ReceiptModel(Record):
    """An open purchase order on its way."""

    id: Text = ""
    quantity: Quantity
    arrival: StartTime
    supplier: Text = ""


class MaterialModel(Record):
    id: Id
    name: Text = ""
    unit_cost: UnitPrice = Field(default=0, description="value per unit, for holding cost")
    stock: Count = Field(default=0, description="units on hand at plan start")
    receipts: list[ReceiptModel] = []


class ExpediteModel(Record):
    name: Text = Field(min_length=1, description="e.g. truck, air, hand-carry")
    lead_time: Duration
    cost_per_unit: UnitPrice = 0
    cost_per_shipment: Amount = 0


class OfferModel(Record):
    material: Text
    lead_time: Duration
    price: UnitPrice = Field(description="unit price")
    capacity: Quantity | None = Field(
        default=None, description="units per supplier period; absent = unlimited"
    )
    min_order: Count = Field(default=0, description="minimum units per shipment")
    expedite: list[ExpediteModel] = []


class CapacityGroupModel(Record):
    """Capacity per supplier period shared by several of the supplier's materials."""

    id: Id
    materials: list[Text] = Field(min_length=2, description="materials of this supplier's offers")
    capacity: Count = Field(description="units per period, all of the materials together")


class SupplierModel(Record):
    id: Id
    name: Text = ""
    reliability: float = Field(default=1.0, gt=0, le=1, description="share delivered on time")
    period: Duration = Field(default=timedelta(days=7), description="capacity period")
    offers: list[OfferModel] = Field(min_length=1)
    capacity_groups: list[CapacityGroupModel] = Field(
        default=[], description="capacity shared by several of its materials"
    )


class CustomerModel(Record):
    id: Id
    name: Text = ""
    tier: Text = Field(description="a key of settings.tiers, e.g. A, B, C")
    credit_limit: Amount | None = None
    partial_delivery: bool = Field(
        default=False,
        description="the customer takes an order in more than one delivery: splitting a late "
        "order is then one of its levers (replan explain)",
    )


class OrderModel(Record):
    id: Id
    customer: Text
    product: Text
    quantity: Quantity
    due: EndTime
    price: UnitPrice = Field(description="unit price")
    release: StartTime | None = None
    status: Literal["firm", "proposed", "forecast"] = "firm"
    channel: Text = ""
    partial_delivery: bool | None = Field(
        default=None,
        description="this order may be delivered in parts (true) or only whole (false); "
        "absent: its customer's partial_delivery",
    )


class WipModel(Record):
    """A step already started: it keeps its resource and start; earlier steps are done.

    With ``done: true`` the step is finished (and every step before it): nothing of it is
    planned, and ``resource`` and ``start`` are not needed.
    """

    order: Text
    step: Text
    resource: Text | None = None
    start: StartTime | None = None
    done: bool = False

    @model_validator(mode="after")
    def _running_step_has_place(self) -> WipModel:
        if not self.done:
            missing = [f for f in ("resource", "start") if getattr(self, f) is None]
            if missing:
                raise ValueError(
                    f"a step in progress needs {' and '.join(missing)}; or give done: true "
                    "for a finished step"
                )
        return self


class TableSource(Record):
    """A table of records read from a CSV or Excel file (an ERP export), through a column map.

    Sections that are flat tables (orders, customers, resources, wip, materials) may be given
    as one of these, a list of them (several files into one table), or a file name.
    """

    file: Text = Field(
        min_length=1, description="CSV or Excel (.xlsx) file, relative to the plant file"
    )
    sheet: Text | None = Field(
        default=None, description="Excel: the sheet to read; the first sheet if absent"
    )
    columns: dict[str, Text] = Field(
        default={},
        description="field -> column header in the file, for headers that are not the field "
        "names; other columns are ignored with a warning",
        json_schema_extra={"examples": [{"id": "Order ID", "due": "Delivery Date"}]},
    )
    date_format: Text | None = Field(
        default=None,
        description="strptime format of the date cells given as text, e.g. %d.%m.%Y; "
        "ISO dates if absent. A format without a time of day gives dates",
    )
    delimiter: Text | None = Field(
        default=None,
        description="CSV: the delimiter, one character or `tab`; sniffed from the header "
        "(comma, semicolon or tab) if absent",
    )
    decimal: Literal[".", ","] = Field(
        default=".",
        description="decimal mark of numbers given as text; with `,` a dot groups thousands "
        "(1.234,5)",
    )
    channel: Text | None = Field(
        default=None,
        description="orders: the channel of this file's orders (web, EDI, phone...), for "
        "rows that give none",
    )
    receipts: TableSource | None = Field(
        default=None,
        description="materials: open receipts from another table, one row each with a "
        "`material` column",
    )
    downtime: TableSource | None = Field(
        default=None,
        description="resources: downtime from another table, one row each with a `resource` column",
    )

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.lower() in ("tab", "\\t"):
            return "\t"
        if len(value) != 1 or value in ('"', "\n", "\r"):
            raise ValueError(f"{value!r} is not a delimiter; give one character such as ';' or tab")
        return value

    @field_validator("date_format")
    @classmethod
    def _has_directive(cls, value: str | None) -> str | None:
        if value is not None and "%" not in value:
            raise ValueError(
                f"{value!r} has no % directive; give a strptime format such as '%d.%m.%Y'"
            )
        return value


# A section that is a flat table: records, or where to read them (a file name, a table
# source, or a list mixing the three: several files into one table).
Resources = Annotated[list[ResourceModel | TableSource | str], Field(min_length=1)]
Customers = Annotated[list[CustomerModel | TableSource | str], Field(min_length=1)]


class PlantFile(Record):
    """A plant model file.

    ``orders``, ``customers``, ``resources``, ``wip`` and ``materials`` may instead name a file
    (path relative to the YAML) or give table sources: CSV or Excel files with a column map.
    """

    plant: PlantHeader
    settings: Settings = Settings()
    calendars: list[CalendarModel] = []
    resources: Resources | TableSource | str
    products: list[ProductModel] = Field(min_length=1)
    customers: Customers | TableSource | str
    orders: list[OrderModel | TableSource | str] | TableSource | str = []
    wip: list[WipModel | TableSource | str] | TableSource | str = []
    materials: list[MaterialModel | TableSource | str] | TableSource | str = []
    suppliers: list[SupplierModel] = []
    changeovers: list[ChangeoverModel] = []
