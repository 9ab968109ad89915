"""The plant as frozen dataclasses, all times in integer ticks of the plant's TimeGrid.

Loaded data is never mutated: ``Plant.replace`` (and later, changes) return a new Plant.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property

import numpy as np

from solver.domain.errors import Problem
from solver.domain.intervals import Interval, clip, merge, subtract
from solver.domain.settings import Settings
from solver.domain.timegrid import TimeGrid

FIRM = "firm"
STANDARD = "standard"
_AVAILABILITY_FIELDS = {"grid", "horizon", "calendars", "resources"}
OPTIONAL_STATUSES = ("proposed", "forecast")
STATUSES = (FIRM, *OPTIONAL_STATUSES)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Shift:
    """A working window on the given weekdays (0 = Monday); ends after midnight if end <= start."""

    days: frozenset[int]
    start: time
    end: time


@dataclass(frozen=True)
class Calendar:
    """Weekly shifts less closures (holidays, shutdowns), closures in ticks."""

    id: str
    shifts: tuple[Shift, ...]
    closures: tuple[Interval, ...] = ()


@dataclass(frozen=True)
class Downtime:
    """A window in ticks when ``units`` of a resource are unavailable (None = all of it)."""

    start: int
    end: int
    units: int | None = None
    reason: str = ""
    held: bool = False  # another order's fixed step (LNS): not a break work may pause over


@dataclass(frozen=True)
class Resource:
    """A machine (capacity 1) or a pool of ``capacity`` identical units."""

    id: str
    name: str
    capacity: int
    calendar: str
    downtime: tuple[Downtime, ...] = ()
    overtime_cost_per_hour: float | None = None  # None: settings.overtime_cost_per_hour


@dataclass(frozen=True)
class Changeover:
    """Sequence-dependent setup on one machine, by product family (constraint family 4).

    ``times`` maps (family before, family after) to ticks that must pass between the end of a
    step of the first family and the start of the next step on the machine of the second.
    A pair not listed takes ``default`` ticks between different families and none within one.
    """

    resource: str
    times: dict[tuple[str, str], int]
    default: int = 0

    def ticks(self, before: str, after: str) -> int:
        """Ticks from the end of a step of family ``before`` to the start of one of ``after``."""
        if (before, after) in self.times:
            return self.times[(before, after)]
        return 0 if before == after else self.default

    def between(self, steps: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
        """For each step after the first of ``steps`` ((start, end, family), sorted by start):
        (ticks of changeover it needs from the one before, ticks between them)."""
        return [
            (self.ticks(a[2], b[2]), b[0] - a[1]) for a, b in zip(steps, steps[1:], strict=False)
        ]

    def respected_by(self, steps: list[tuple[int, int, str]]) -> bool:
        """Whether every step of ``steps`` (sorted by start) starts its changeover after the
        one before it ends."""
        return all(needs <= gap for needs, gap in self.between(steps))


@dataclass(frozen=True)
class KeptStep:
    """A step of an order outside this plant that stays where it is on a changeover machine
    (an LNS neighbourhood's fixed orders): it is downtime too, and its family sets the
    changeover before and after it."""

    start: int
    end: int
    family: str


@dataclass(frozen=True)
class Option:
    """One eligible resource for a step: seconds per unit and a fixed setup in seconds."""

    resource: str
    per_unit: float
    setup: float = 0.0

    def seconds(self, quantity: int) -> float:
        return self.setup + quantity * self.per_unit


@dataclass(frozen=True)
class Step:
    """A routing step: its alternatives, and the minimum lag (ticks) before the next step.

    ``may_pause``: the work stops at the end of a working window and resumes at the next
    (True), must fit inside one window (False), or pauses only when it is longer than its
    resource's longest window (None: ``Plant.pausing``).
    """

    id: str
    options: tuple[Option, ...]
    min_lag: int = 0
    may_pause: bool | None = None


@dataclass(frozen=True)
class BomLine:
    """Units of a material consumed per unit of product, drawn when step ``step`` starts.

    ``step`` is the id of a step of the product's routing; empty: its first step.
    """

    material: str
    per_unit: float
    step: str = ""


@dataclass(frozen=True)
class Product:
    """A product; ``unit_cost`` excludes its bill of materials, ``stock`` is finished goods."""

    id: str
    name: str
    family: str
    unit_cost: float
    routing: tuple[Step, ...]
    bom: tuple[BomLine, ...] = ()
    stock: int = 0

    def draw_index(self, material: str) -> int:
        """Index of the routing step at whose start the product draws ``material``.

        Parameters
        ----------
        material : str
            A material of the bill (any other gives 0, the first step).

        Returns
        -------
        int
            The index of the step its BOM line names; 0 when the line names none.
        """
        return self._draw_indices.get(material, 0)

    @cached_property
    def _draw_indices(self) -> dict[str, int]:
        # Asked per need on the hot paths of dispatch and the checker: built once per product.
        ids = {step.id: k for k, step in enumerate(self.routing)}
        return {line.material: ids.get(line.step, 0) for line in self.bom if line.step}


@dataclass(frozen=True)
class Receipt:
    """An open purchase order: ``quantity`` of a material arriving at tick ``arrival``."""

    id: str
    material: str
    quantity: int
    arrival: int
    supplier: str = ""


@dataclass(frozen=True)
class Material:
    """A purchased material: value per unit, stock on hand at plan start, open receipts."""

    id: str
    name: str
    unit_cost: float
    stock: int = 0
    receipts: tuple[Receipt, ...] = ()
    # The stock levels a need may split at (``sources.split_ways``), when they are not this
    # material's own: an LNS neighbourhood's material is what the kept orders leave, but its
    # needs split where the whole plant's do, so that the plan it starts from is one of its
    # own. None: from this material's stock and receipts.
    split_levels: tuple[int, ...] | None = None

    @property
    def stocked(self) -> bool:
        """Whether any stock exists or is on its way, so that stock is a possible source."""
        return self.stock > 0 or bool(self.receipts)


@dataclass(frozen=True)
class Mode:
    """How a purchase is shipped: ``standard`` or an expedite (truck, air, hand carry...).

    ``lead`` is the nominal lead time in ticks; extra costs come on top of the offer's price.
    """

    name: str
    lead: int
    cost_per_unit: float = 0.0
    cost_per_shipment: float = 0.0

    @property
    def expedited(self) -> bool:
        return self.name != STANDARD


@dataclass(frozen=True)
class Offer:
    """A supplier's terms for one material. ``capacity`` is units per supplier period.

    ``booked``: (period, units) already bought by orders outside the plant, which the capacity
    must still hold: the purchases of the orders an LNS neighbourhood keeps fixed. Empty for a
    plant read from files.

    ``pegged``: (mode, period, units) of those kept purchases' shipments, the units pegged to
    them: a shipment of the plant in that mode and period joins the kept one, which is already
    paid for and topped up to the minimum order (``booked`` and stock hold its top-up).
    """

    material: str
    price: float
    modes: tuple[Mode, ...]
    capacity: int | None = None
    min_order: int = 0
    booked: tuple[tuple[int, int], ...] = ()
    group: str = ""  # the supplier's capacity group this material shares, if any
    pegged: tuple[tuple[str, int, int], ...] = ()

    def pegged_in(self, mode: str, period: int) -> int:
        """Units kept orders have pegged to this offer's shipment of ``mode`` in ``period``."""
        return sum(units for m, p, units in self.pegged if m == mode and p == period)

    def kept_surplus(self, mode: str, period: int) -> int:
        """The top-up of a kept shipment to the minimum order (0 without one)."""
        pegged = self.pegged_in(mode, period)
        return max(0, self.min_order - pegged) if pegged else 0

    def capacity_left(self, period: int) -> int | None:
        """Units that may still be bought in ``period`` (None: no capacity limit)."""
        if self.capacity is None:
            return None
        return self.capacity - sum(units for p, units in self.booked if p == period)


@dataclass(frozen=True)
class CapacityGroup:
    """Units per supplier period that several of a supplier's materials share (one press
    line making two parts): what all of them together may deliver, on top of each offer's
    own capacity."""

    id: str
    materials: tuple[str, ...]
    capacity: int


@dataclass(frozen=True)
class Supplier:
    """A supplier: share of deliveries on time, capacity period (ticks), offers by material,
    and the capacity groups its materials share."""

    id: str
    name: str
    reliability: float
    period: int
    offers: dict[str, Offer] = field(default_factory=dict)
    capacity_groups: tuple[CapacityGroup, ...] = ()

    def group_left(self, group: CapacityGroup, period: int) -> int:
        """Units of a capacity group that may still be bought in ``period``: its capacity
        less what its materials' offers have ``booked`` then (an LNS neighbourhood's kept
        orders)."""
        booked = sum(
            units
            for material in group.materials
            if material in self.offers
            for p, units in self.offers[material].booked
            if p == period
        )
        return group.capacity - booked


@dataclass(frozen=True)
class Customer:
    id: str
    name: str
    tier: str
    credit_limit: float | None = None
    partial_delivery: bool = False  # takes an order in more than one delivery


@dataclass(frozen=True)
class Order:
    """A customer order; ``release`` and ``due`` in ticks."""

    id: str
    customer: str
    product: str
    quantity: int
    due: int
    price: float
    release: int = 0
    status: str = FIRM
    channel: str = ""
    priority: int | None = None  # a planner's tardiness weight, overriding the ranking
    partial_delivery: bool | None = None  # None: the customer's partial_delivery

    @property
    def optional(self) -> bool:
        """Proposed and forecast orders may be declined; firm ones must be made."""
        return self.status != FIRM


@dataclass(frozen=True)
class Pin:
    """A step held at a resource and start tick (work in progress, or frozen by a strategy)."""

    order: str
    step: int
    resource: str
    start: int


@dataclass(frozen=True)
class Plant:
    """Everything the engine plans with.

    Dict fields are read-only by convention; ``replace`` returns a modified copy.
    ``pins`` holds steps in progress: for a pinned step, earlier steps of that order are done.
    """

    name: str
    grid: TimeGrid
    horizon: int
    calendars: dict[str, Calendar]
    resources: dict[str, Resource]
    products: dict[str, Product]
    customers: dict[str, Customer]
    orders: dict[str, Order]
    pins: dict[tuple[str, int], Pin] = field(default_factory=dict)
    done: dict[str, int] = field(default_factory=dict)  # order -> leading steps finished
    materials: dict[str, Material] = field(default_factory=dict)
    suppliers: dict[str, Supplier] = field(default_factory=dict)
    settings: Settings = field(default_factory=Settings)
    currency: str = ""
    source: str = ""
    files: tuple[str, ...] = ()  # every file the plant was loaded from (the YAML, a CSV)
    input_hash: str = ""  # sha256 of the bytes of those files
    warnings: tuple[Problem, ...] = ()  # accepted but worth a look (e.g. due after horizon)
    changeovers: dict[str, Changeover] = field(default_factory=dict)  # machine -> its matrix
    kept: dict[str, tuple[KeptStep, ...]] = field(default_factory=dict)  # changeover machines

    def family(self, order_id: str) -> str:
        """The product family of an order (what a changeover matrix is keyed by)."""
        return self.products[self.orders[order_id].product].family

    def pins_break_changeovers(self, resource: str | None = None) -> bool:
        """Whether two pinned steps next to each other on a changeover machine (``resource``,
        or any) are closer than their changeover (no plan can keep both where they are)."""
        spans: dict[str, list[tuple[int, int, str]]] = {}
        for (oid, index), pin in self.pins.items():
            if pin.resource in self.changeovers and resource in (None, pin.resource):
                end = self.pin_end(oid, index)
                spans.setdefault(pin.resource, []).append((pin.start, end, self.family(oid)))
        return not all(
            self.changeovers[rid].respected_by(sorted(items)) for rid, items in spans.items()
        )

    def replace(self, **changes: object) -> Plant:
        """A new Plant with the given fields replaced.

        Availability, when already computed, is carried over unless a field it depends on
        changes: rebuilding every calendar is the costly part of making a Plant.
        """
        plant = dataclasses.replace(self, **changes)
        if not changes.keys() & _AVAILABILITY_FIELDS:
            for cached in ("availability", "_pause_windows", "_working_ticks", "_longest_windows"):
                if cached in self.__dict__:
                    plant.__dict__[cached] = self.__dict__[cached]
        return plant

    def with_settings(self, **overrides: object) -> Plant:
        """A copy whose settings have the given overrides (None leaves a setting as it is).

        Settings travel with the plant, never beside it: a solve with a budget or seed of its
        own (an LNS step, a quick repair, a promise-date solve) is a solve of this copy.
        """
        return self.replace(settings=self.settings.with_overrides(**overrides))

    @cached_property
    def availability(self) -> dict[str, tuple[Interval, ...]]:
        """Per resource: ticks in [0, horizon) when it is fully available (calendar, downtime)."""
        return {rid: tuple(resource_windows(self, res)) for rid, res in self.resources.items()}

    def with_downtime(self, extra: dict[str, list[Downtime]]) -> Plant:
        """A copy with more downtime on some resources.

        Availability is updated from this plant's by subtracting the new whole-resource
        downtime, instead of being rebuilt from every calendar: an LNS neighbourhood blocks the
        time taken by the orders it keeps fixed, many times a second.
        """
        resources = dict(self.resources)
        availability = dict(self.availability)
        for rid, downs in extra.items():
            resource = dataclasses.replace(
                resources[rid], downtime=resources[rid].downtime + tuple(downs)
            )
            resources[rid] = resource
            full = [
                (d.start, d.end) for d in downs if d.units is None or d.units >= resource.capacity
            ]
            availability[rid] = tuple(subtract(availability[rid], full))
        plant = dataclasses.replace(self, resources=resources)
        plant.__dict__["availability"] = availability  # seeds the cached_property
        if all(d.held for downs in extra.values() for d in downs):
            # Held time is not a break (``work_end``): pausing work sees the same working time.
            for cached in ("_pause_windows", "_working_ticks", "_longest_windows"):
                if cached in self.__dict__:
                    plant.__dict__[cached] = self.__dict__[cached]
            plant.__dict__["_held_from"] = self.__dict__.get("_held_from", self)
        return plant

    @cached_property
    def _started(self) -> dict[str, int]:
        """Order -> earliest pinned step; ``remaining_steps`` is on every hot path."""
        started: dict[str, int] = {}
        for order_id, step in self.pins:
            started[order_id] = min(step, started.get(order_id, step))
        return started

    def first_step(self, order_id: str) -> int:
        """Index of the first step still to plan: the pinned step if work is in progress,
        else the first step after those reported finished."""
        return self._started.get(order_id, self.done.get(order_id, 0))

    def remaining_steps(self, order_id: str) -> list[tuple[int, Step]]:
        """(index, step) for the steps of an order that are not done yet."""
        routing = self.products[self.orders[order_id].product].routing
        first = self.first_step(order_id)
        return [(i, step) for i, step in enumerate(routing) if i >= first]

    def duration(self, order_id: str, option: Option) -> int:
        """Ticks an order's step takes on one of its options (setup + quantity x rate)."""
        return self.grid.duration_ticks(option.seconds(self.orders[order_id].quantity))

    def pausing(self, order_id: str, index: int) -> bool:
        """Whether the order's routing step ``index`` pauses over breaks: its ``may_pause``,
        or when that is not given, whether it is longer than the longest working window of
        one of its resources (it could not be made otherwise)."""
        step = self.products[self.orders[order_id].product].routing[index]
        if step.may_pause is not None:
            return step.may_pause
        return any(
            self.duration(order_id, o) > self.longest_window(o.resource) for o in step.options
        )

    def longest_window(self, resource: str) -> int:
        """Ticks of the longest window in which the whole resource is available."""
        cache = self.__dict__.setdefault("_longest_windows", {})
        if resource not in cache:
            cache[resource] = max((e - s for s, e in self.pause_windows(resource)), default=0)
        return cache[resource]

    def work_end(self, resource: str, start: int, work: int) -> int | None:
        """The end of ``work`` ticks of work begun at ``start`` that pauses over breaks: the
        tick after its last working tick. None when ``start`` is not working time of the
        resource or the work cannot be done before the horizon.

        Working time is the resource's calendar less its downtime, but not the time held by
        other orders' fixed steps (``Downtime.held``): work pauses over breaks, not over
        another order's step.
        """
        ticks = self.working_ticks(resource)
        i = int(np.searchsorted(ticks, start))
        if i >= len(ticks) or ticks[i] != start or i + work - 1 >= len(ticks):
            return None
        return int(ticks[i + work - 1]) + 1

    def first_working_tick(self, resource: str, tick: int) -> int | None:
        """The first tick at or after ``tick`` at which pausing work may run on the resource
        (None: none before the horizon)."""
        ticks = self.working_ticks(resource)
        k = int(np.searchsorted(ticks, tick))
        return None if k >= len(ticks) else int(ticks[k])

    def latest_pause_start(self, resource: str, latest_end: int, work: int) -> int | None:
        """The latest working tick from which ``work`` ticks end by ``latest_end`` (None if
        none)."""
        ticks = self.working_ticks(resource)
        count = int(np.searchsorted(ticks, latest_end))  # working ticks before latest_end
        return None if count - work < 0 else int(ticks[count - work])

    def pause_windows(self, resource: str) -> list[Interval]:
        """The resource's working windows as work that pauses sees them: its calendar less
        its downtime, but not less the time held by other orders' fixed steps."""
        cache = self.__dict__.setdefault("_pause_windows", {})
        if resource not in cache:
            source = self.__dict__.get("_held_from")
            cache[resource] = (
                source.pause_windows(resource)
                if source is not None  # an LNS sub-plant: the whole plant's windows
                else resource_windows(self, self.resources[resource], pauses=True)
            )
        return cache[resource]

    def working_ticks(self, resource: str) -> np.ndarray:
        """Every tick the resource may work on a pausing step, sorted (see ``work_end``)."""
        cache = self.__dict__.setdefault("_working_ticks", {})
        if resource not in cache:
            windows = self.pause_windows(resource)
            cache[resource] = (
                np.concatenate([np.arange(s, e, dtype=np.int64) for s, e in windows])
                if windows
                else np.zeros(0, dtype=np.int64)
            )
        return cache[resource]

    def step_end(self, order_id: str, index: int, option: Option, start: int) -> int | None:
        """Where the order's step ``index`` ends on ``option`` when it starts at ``start``:
        its duration later, or for a pausing step the ``work_end`` (None: not from there); a
        pinned step where it is pinned ends at ``pin_end``."""
        pin = self.pins.get((order_id, index))
        if pin is not None and pin.resource == option.resource and pin.start == start:
            return self.pin_end(order_id, index)
        work = self.duration(order_id, option)
        if pin is not None or not self.pausing(order_id, index):
            return start + work
        return self.work_end(option.resource, start, work)

    def pin_end(self, order_id: str, index: int) -> int:
        """The end of a pinned step (work in progress, or held by a strategy).

        A step that pauses over breaks pauses while pinned too: from the pin's start (or the
        plan start, for work begun before it) its remaining work runs in working time. Work
        before the plan start is taken as done without breaks, since the calendar before tick
        0 is not known; where the remaining work does not fit before the horizon, or the step
        does not pause, the end is start plus work.
        """
        pin = self.pins[(order_id, index)]
        return self.held_end(order_id, index, pin.resource, pin.start)

    def held_end(self, order_id: str, index: int, resource: str, start: int) -> int:
        """``pin_end`` of the order's step ``index`` held on ``resource`` from ``start``."""
        step = self.products[self.orders[order_id].product].routing[index]
        option = next(o for o in step.options if o.resource == resource)
        work = self.duration(order_id, option)
        done = max(0, -start)
        if not self.pausing(order_id, index) or done >= work:
            return start + work
        resume = self.first_working_tick(resource, max(0, start))
        end = None if resume is None else self.work_end(resource, resume, work - done)
        return start + work if end is None else end


def calendar_windows(plant: Plant, calendar: Calendar) -> list[Interval]:
    """Working windows of a calendar in [0, horizon), as merged tick intervals."""
    grid = plant.grid
    first_day = grid.start.date()
    last_day = grid.to_datetime(plant.horizon).date()
    moments: list[tuple[datetime, datetime]] = []
    # Start a day early: a night shift that began yesterday may still run at plan start.
    day = first_day - timedelta(days=1)
    while day <= last_day:
        for shift in calendar.shifts:
            if day.weekday() not in shift.days:
                continue
            end_day = day if shift.end > shift.start else day + timedelta(days=1)
            moments.append((_at(day, shift.start), _at(end_day, shift.end)))
        day += timedelta(days=1)
    # Shifts that touch (one day's 24:00 is the next day's 00:00) are joined before rounding
    # to the grid: rounded one by one, a grid not aligned to midnight lost the tick that
    # straddles it every day (found by tests/exact on a 15-minute grid from 07:10).
    windows = [(grid.ceil(begin), grid.floor(end)) for begin, end in _joined(moments)]
    windows = subtract(windows, calendar.closures)
    return clip(merge(windows), 0, plant.horizon)


def resource_windows(plant: Plant, resource: Resource, pauses: bool = False) -> list[Interval]:
    """Windows when the whole resource is available: its calendar less full downtime (with
    ``pauses``, not less the time other orders' fixed steps hold: see ``Plant.work_end``)."""
    windows = calendar_windows(plant, plant.calendars[resource.calendar])
    full_down = [
        (d.start, d.end)
        for d in resource.downtime
        if (d.units is None or d.units >= resource.capacity) and not (pauses and d.held)
    ]
    return subtract(windows, full_down)


def _joined(moments: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Overlapping or touching (begin, end) moments as one."""
    joined: list[tuple[datetime, datetime]] = []
    for begin, end in sorted(moments):
        if joined and begin <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], end))
        else:
            joined.append((begin, end))
    return joined


def _at(day: date, clock: time) -> datetime:
    if clock == time.max:
        return datetime.combine(day, time()) + timedelta(days=1)
    return datetime.combine(day, clock)
