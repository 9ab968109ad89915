"""Every CP-SAT variable of the scheduling model, in small dataclasses with readable names.

Options of one step share the step's start variable; each option has its own presence literal
and a fixed-size optional interval (a step that pauses over breaks: an interval whose size is
its span, work plus the breaks it crosses). An option's calendar (start domain) is enforced only when
it is chosen, so a step's start domain is the union of its options' domains.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from solver.domain.plant import Downtime, Mode, Plant
from solver.rules.costs import holding_per_tick
from solver.supply import sources


@dataclass
class PauseSegment:
    """Starts in ``[low, high]`` end ``offset`` ticks later (the breaks in between counted)."""

    low: int
    high: int
    offset: int
    chosen: cp_model.IntVar


@dataclass
class OptionVars:
    """One eligible resource of a step. ``size`` is its work in ticks; a step that pauses
    over breaks has a ``span`` (work plus the breaks it crosses), its own ``end`` and the
    ``segments`` of the calendar that decide the span."""

    resource: str
    size: int
    domain: cp_model.Domain
    present: cp_model.IntVar
    interval: cp_model.IntervalVar
    span: cp_model.IntVar | None = None
    end: cp_model.IntVar | None = None
    segments: list[PauseSegment] = field(default_factory=list)

    def end_expr(self, start: cp_model.LinearExprT) -> cp_model.LinearExprT:
        """Where the option ends if the step starts at ``start``."""
        return start + self.size if self.end is None else self.end


@dataclass
class StepVars:
    order: str
    index: int
    id: str
    start: cp_model.IntVar
    end: cp_model.IntVar
    lag: int
    options: list[OptionVars]
    latest_end: int
    pinned: bool = False


@dataclass
class OrderVars:
    """``made``: produced (steps present); ``from_stock``: shipped from finished goods instead.

    Without finished goods on hand, ``made`` is ``accepted`` itself and ``from_stock`` is None.
    """

    order: str
    accepted: cp_model.IntVar
    steps: list[StepVars]
    made: cp_model.IntVar | None = None
    from_stock: cp_model.IntVar | None = None
    completion: cp_model.IntVar | None = None
    tardiness: cp_model.IntVar | None = None

    def step_at(self, index: int) -> StepVars:
        """The variables of the order's routing step ``index`` (one of its remaining steps)."""
        return self.steps[index - self.steps[0].index]


@dataclass
class BuyVar:
    """Buy an order's material from ``supplier`` by ``mode`` to arrive in ``period``."""

    supplier: str
    mode: Mode
    period: int
    arrival: int
    chosen: cp_model.IntVar


@dataclass
class NeedVars:
    """One order's need for one material, or a part of it, and the literals choosing its
    source.

    ``step``: the index of the routing step whose start draws it (``sources.draw_step``).
    ``part``: "" for the whole need; ``stock`` or ``bought`` for the parts of a split
    (``SplitVars``), whose ``quantity`` is the part's.
    """

    order: str
    material: str
    quantity: int
    step: int = 0
    part: str = ""
    stock: cp_model.IntVar | None = None
    stock_start: cp_model.IntVar | None = None  # the drawing step's start if from stock, else 0
    bought: cp_model.IntVar | None = None  # bought (any buy chosen), when holding is charged
    bought_start: cp_model.IntVar | None = None  # the drawing step's start if bought, else 0
    buys: list[BuyVar] = field(default_factory=list)
    checkpoints: dict[int, cp_model.IntVar] = field(default_factory=dict)


@dataclass
class ShipmentVars:
    """A shipment (supplier, material, mode, period): whether it is used, its surplus units,
    and, when the surplus goes into stock, its holding per tick (``surplus_holding_per_tick``)
    and its arrival. ``already`` is not None for a shipment kept orders have (``Offer.pegged``):
    the top-up it had before this plant's purchases joined it."""

    used: cp_model.IntVar
    surplus: cp_model.IntVar | None
    members: list[tuple[NeedVars, BuyVar]]
    holding: cp_model.IntVar | None = None
    already: int | None = None

    @property
    def joined(self) -> bool:
        """Whether this is a kept shipment the plant's purchases join."""
        return self.already is not None

    @property
    def kept_top_up(self) -> int:
        """The top-up ``booked`` and stock hold already (0 for the plant's own shipment)."""
        return self.already or 0

    @property
    def arrival(self) -> int:
        return self.members[0][1].arrival


@dataclass
class SplitVars:
    """One of a need's splits (``sources.split_ways``): its parts, each a need of its own
    quantity (a stock part, whose ``stock`` literal is ``chosen``, then one or two bought
    parts, each bought once by one of its options when the split is chosen)."""

    chosen: cp_model.IntVar
    parts: list[NeedVars]

    @property
    def stock(self) -> NeedVars | None:
        """The stock part, if the split has one."""
        return next((p for p in self.parts if p.part == sources.STOCK), None)

    @property
    def bought(self) -> list[NeedVars]:
        """The bought parts, largest first."""
        return [p for p in self.parts if p.part != sources.STOCK]


@dataclass
class SupplyVars:
    """Every need's variables (keyed by (order, material), with a split's parts under
    (order, material, split number, part number)), the splits of each need and the
    shipments."""

    needs: dict[tuple, NeedVars] = field(default_factory=dict)
    splits: dict[tuple[str, str], list[SplitVars]] = field(default_factory=dict)
    shipments: dict[tuple[str, str, str, int], ShipmentVars] = field(default_factory=dict)


@dataclass
class ShiftVars:
    step: StepVars
    baseline_start: int
    counted: cp_model.IntVar  # at least |start - baseline start| if the order is made


@dataclass
class ArcVar:
    """Circuit arc on a changeover machine: ``before`` directly precedes ``after`` (node
    indexes into its ``ChangeoverVars.nodes``; 0 is the start and end of the sequence)."""

    before: int
    after: int
    literal: cp_model.IntVar
    ticks: int


@dataclass
class ChangeoverVars:
    """A machine's sequence: its nodes (1..n: (order, step index) or a kept step's start)
    and the arcs of its circuit."""

    resource: str
    nodes: list[tuple[str, int]]
    arcs: list[ArcVar] = field(default_factory=list)
    first: dict[int, cp_model.IntVar] = field(default_factory=dict)  # node opens the sequence
    last: dict[int, cp_model.IntVar] = field(default_factory=dict)  # node closes it
    idle: cp_model.IntVar | None = None  # nothing runs on the machine


@dataclass
class ModelVars:
    orders: dict[str, OrderVars] = field(default_factory=dict)
    supply: SupplyVars | None = None  # family 5, when the plant models supply
    changeovers: list[ChangeoverVars] = field(default_factory=list)  # family 4
    hint_outside_circuit: bool = False  # the hint's sequence on a machine has no arc
    hint_outside_sources: bool = False  # the hint's supply of a need is no source it has
    shifts: list[ShiftVars] = field(default_factory=list)  # stability against a baseline

    def pausing_resources(self) -> set[str]:
        """Resources of the options of steps that pause over breaks."""
        return {
            option.resource
            for order in self.orders.values()
            for step in order.steps
            for option in step.options
            if option.segments
        }

    def intervals_on(self, resource: str) -> list[cp_model.IntervalVar]:
        return [
            option.interval
            for order in self.orders.values()
            for step in order.steps
            for option in step.options
            if option.resource == resource
        ]


def start_domain(
    plant: Plant, resource: str, size: int, release: int, pausing: bool = False
) -> cp_model.Domain:
    """Starts at or after ``release`` from which ``size`` ticks fit inside one available window
    (with ``pausing``: working ticks from which ``size`` ticks of work end by the horizon)."""
    if pausing:
        last = plant.latest_pause_start(resource, plant.horizon, size)
        if last is None:
            return cp_model.Domain.from_intervals([])
        windows = plant.pause_windows(resource)
        return cp_model.Domain.from_intervals(
            [
                [max(s, release), min(e - 1, last)]
                for s, e in windows
                if min(e - 1, last) >= max(s, release)
            ]
        )
    spans = [
        [max(s, release), e - size]
        for s, e in plant.availability[resource]
        if e - size >= max(s, release)
    ]
    return cp_model.Domain.from_intervals(spans)


def create_variables(model: cp_model.CpModel, plant: Plant) -> ModelVars:
    """Create the variables of every remaining step of every order."""
    variables = ModelVars()
    # Orders of one product and size share (resource, duration, release): build each domain once.
    domains: dict[tuple[str, int, int], cp_model.Domain] = {}
    for oid, order in plant.orders.items():
        accepted = model.new_bool_var(f"accept[{oid}]")
        if not order.optional:
            model.add(accepted == 1)
        made, from_stock = accepted, None
        if sources.may_ship_from_stock(plant, oid):
            made = model.new_bool_var(f"make[{oid}]")
            from_stock = model.new_bool_var(f"ship_from_stock[{oid}]")
            model.add(made + from_stock == accepted)
        windows = step_windows(plant, oid, domains)
        steps = [
            _step_vars(model, plant, oid, index, made, windows.get(index))
            for index, _ in plant.remaining_steps(oid)
        ]
        variables.orders[oid] = OrderVars(oid, accepted, steps, made, from_stock)
    return variables


def step_windows(
    plant: Plant, oid: str, domains: dict[tuple[str, int, int], cp_model.Domain]
) -> dict[int, list[tuple[str, int, cp_model.Domain]]]:
    """Each unpinned remaining step's options as (resource, ticks, start domain), each domain
    cut to the starts from which the order's routing can still be done in the horizon.

    A forward pass from the release (every earlier step on its quickest option, with its lag)
    and a backward pass from the horizon (every later step too) bound each start; CP-SAT with
    presolve off would otherwise branch on starts no plan can use. An option with no start
    left is dropped; when a step has none left, the order keeps its calendar domains only (an
    optional order is then declined, a firm one is left for the solver to prove impossible).
    ``domains`` caches calendar domains by (resource, ticks, release), shared by orders of one
    product and size.
    """
    order = plant.orders[oid]
    options: dict[int, list[tuple[str, int, cp_model.Domain]]] = {}
    lags: dict[int, int] = {}
    pausing = {index for index, _ in plant.remaining_steps(oid) if plant.pausing(oid, index)}
    for index, step in plant.remaining_steps(oid):
        lags[index] = step.min_lag
        if (oid, index) in plant.pins:
            pin = plant.pins[(oid, index)]
            size = plant.duration(oid, next(o for o in step.options if o.resource == pin.resource))
            options[index] = [(pin.resource, size, cp_model.Domain(pin.start, pin.start))]
            continue
        options[index] = []
        for option in step.options:
            size = plant.duration(oid, option)
            key = (option.resource, size, order.release, index in pausing)
            if key not in domains:
                domains[key] = start_domain(plant, *key)
            options[index].append((option.resource, size, domains[key]))
    calendar = _usable(plant, oid, options)
    earliest = 0
    for index in options:
        options[index] = [
            (r, size, _cut(d, earliest, plant.horizon)) for r, size, d in options[index]
        ]
        ends = [
            _earliest_end(plant, r, size, d, index in pausing)
            for r, size, d in options[index]
            if not d.is_empty()
        ]
        if not ends:
            return calendar
        earliest = min(ends) + lags[index]
    latest_end = plant.horizon
    for index in reversed(options):
        options[index] = [
            (r, size, _cut(d, 0, _latest_start(plant, r, size, latest_end, index in pausing)))
            for r, size, d in options[index]
        ]
        starts = [d.max() for _, _, d in options[index] if not d.is_empty()]
        if not starts:
            return calendar
        latest_end = max(starts) - lags.get(index - 1, 0)
    return _usable(plant, oid, options)


def _earliest_end(plant: Plant, resource: str, size: int, domain, pausing: bool) -> int:
    if pausing:
        return plant.work_end(resource, domain.min(), size) or plant.horizon + 1
    return domain.min() + size


def _latest_start(plant: Plant, resource: str, size: int, latest_end: int, pausing: bool) -> int:
    if pausing:
        latest = plant.latest_pause_start(resource, latest_end, size)
        return -1 if latest is None else latest
    return latest_end - size


def _usable(plant: Plant, oid: str, options: dict[int, list]) -> dict[int, list]:
    """The unpinned steps' options that still have a start."""
    return {
        index: [option for option in found if not option[2].is_empty()]
        for index, found in options.items()
        if (oid, index) not in plant.pins
    }


def _cut(domain: cp_model.Domain, low: int, high: int) -> cp_model.Domain:
    return domain.intersection_with(cp_model.Domain(low, max(low - 1, high)))


def _step_vars(
    model, plant: Plant, oid: str, index: int, made, candidates: list | None
) -> StepVars:
    order = plant.orders[oid]
    step = plant.products[order.product].routing[index]
    name = f"{oid}/{step.id}"
    pin = plant.pins.get((oid, index))
    if pin is not None:
        # A pausing step holds its resource over the breaks it pauses over (pin_end).
        size = plant.pin_end(oid, index) - pin.start
        start = model.new_constant(pin.start)
        end = model.new_constant(pin.start + size)
        interval = model.new_interval_var(start, size, end, f"{name}@{pin.resource}")
        domain = cp_model.Domain(pin.start, pin.start)
        options = [OptionVars(pin.resource, size, domain, made, interval)]
        return StepVars(
            oid,
            index,
            step.id,
            start,
            end,
            step.min_lag,
            options,
            latest_end=pin.start + size,
            pinned=True,
        )

    if not candidates:
        # Cannot be made in the horizon: only an optional order can get here (validation
        # refuses firm ones), and it must not be made.
        model.add(made == 0)
        candidates = [
            (
                step.options[0].resource,
                plant.duration(oid, step.options[0]),
                cp_model.Domain(0, plant.horizon),
            )
        ]
    union = candidates[0][2]
    for _, _, domain in candidates[1:]:
        union = union.union_with(domain)
    start = model.new_int_var_from_domain(union, f"start[{name}]")
    sizes = [size for _, size, _ in candidates]
    pausing = plant.pausing(oid, index)
    latest_end = plant.horizon if pausing else union.max() + max(sizes)
    end = model.new_int_var(union.min() + min(sizes), latest_end, f"end[{name}]")
    options = []
    for resource, size, domain in candidates:
        present = made if len(candidates) == 1 else model.new_bool_var(f"use[{name}@{resource}]")
        if pausing:
            options.append(
                _pausing_option(model, plant, name, start, resource, size, domain, present)
            )
            continue
        interval = model.new_optional_fixed_size_interval_var(
            start, size, present, f"{name}@{resource}"
        )
        options.append(OptionVars(resource, size, domain, present, interval))
    return StepVars(oid, index, step.id, start, end, step.min_lag, options, latest_end)


def _pausing_option(
    model, plant: Plant, name: str, start, resource: str, size: int, domain, present
) -> OptionVars:
    """An option of a step that pauses over breaks: its span and end, and a literal per
    calendar segment its start may fall in (``constraints.add_pauses`` ties them together)."""
    found = [
        (low, high, offset)
        for low, high, offset in pause_segments(plant, resource, size)
        if high >= domain.min() and low <= domain.max()
    ] or [(domain.min(), domain.min(), size)]
    offsets = sorted({offset for _, _, offset in found})
    span = model.new_int_var_from_domain(
        cp_model.Domain.from_values(offsets), f"span[{name}@{resource}]"
    )
    end = model.new_int_var(domain.min() + size, plant.horizon, f"end[{name}@{resource}]")
    interval = model.new_optional_interval_var(start, span, end, present, f"{name}@{resource}")
    segments = [
        PauseSegment(low, high, offset, model.new_bool_var(f"from[{name}@{resource}/{low}]"))
        for low, high, offset in found
    ]
    return OptionVars(resource, size, domain, present, interval, span, end, segments)


def pause_segments(plant: Plant, resource: str, work: int) -> list[tuple[int, int, int]]:
    """(first start, last start, span) of each run of working ticks from which ``work``
    ticks of work take the same span: within a run the work crosses the same breaks."""
    cache = plant.__dict__.setdefault("_pause_segments", {})
    if (resource, work) not in cache:
        ticks = plant.working_ticks(resource)
        if len(ticks) < work:
            cache[(resource, work)] = []
            return []
        starts = ticks[: len(ticks) - work + 1]
        spans = ticks[work - 1 :] + 1 - starts
        cut = np.flatnonzero((np.diff(starts) != 1) | (np.diff(spans) != 0)) + 1
        bounds = np.concatenate(([0], cut, [len(starts)]))
        cache[(resource, work)] = [
            (int(starts[a]), int(starts[b - 1]), int(spans[a]))
            for a, b in zip(bounds[:-1], bounds[1:], strict=True)
        ]
    return cache[(resource, work)]


def create_supply_variables(
    model: cp_model.CpModel, plant: Plant, variables: ModelVars
) -> SupplyVars:
    """Source literals for every (order, material) need, and for the parts of each of its
    splits (``sources.split_ways``); buy options that can arrive in time."""
    result = SupplyVars()
    for oid, order_vars in variables.orders.items():
        needs = sources.requirements(plant, oid)
        for material, quantity in needs.items():
            index = sources.draw_step(plant, oid, material)
            drawing = order_vars.step_at(index).start
            # Material comes no later than the step that draws it may start.
            latest = int(drawing.proto.domain[len(drawing.proto.domain) - 1])
            options = list(sources.buy_options(plant, material, latest))
            stocked = sources.may_draw_stock(plant, material)
            need = NeedVars(oid, material, quantity, index)
            _add_sources(model, plant, need, latest, stocked, options)
            result.needs[(oid, material)] = need
            for number, way in enumerate(
                sources.split_ways(plant, oid, material, quantity) if options else ()
            ):
                split = _split_vars(model, plant, need, way, number, latest, options)
                result.splits.setdefault((oid, material), []).append(split)
                for index_in, part in enumerate(split.parts):
                    result.needs[(oid, material, number, index_in)] = part
    return result


def _split_vars(
    model: cp_model.CpModel,
    plant: Plant,
    need: NeedVars,
    way: sources.Split,
    number: int,
    latest: int,
    options: list[sources.BuyOption],
) -> SplitVars:
    """The parts of one split of ``need``, and the literal that chooses it (its stock part's
    ``stock`` literal when it has one)."""
    parts = []
    for kind, units in way.parts:
        part = NeedVars(need.order, need.material, units, need.step, kind)
        _add_sources(
            model,
            plant,
            part,
            latest,
            kind == sources.STOCK,
            [] if kind == sources.STOCK else options,
        )
        parts.append(part)
    if parts[0].stock is not None:
        chosen = parts[0].stock
    else:
        chosen = model.new_bool_var(f"split[{need_name(need)}#{number}]")
    return SplitVars(chosen, parts)


def _add_sources(
    model: cp_model.CpModel,
    plant: Plant,
    need: NeedVars,
    latest: int,
    stocked: bool,
    options: list[sources.BuyOption],
) -> None:
    """The need's (or part's) stock literal when ``stocked``, one literal per buy option, and
    the holding variables."""
    name = need_name(need)
    if stocked:
        need.stock = model.new_bool_var(f"from_stock[{name}]")
        need.stock_start = model.new_int_var(0, latest, f"stock_start[{name}]")
    for option in options:
        chosen = model.new_bool_var(
            f"buy[{name}@{option.supplier}/{option.mode.name}/p{option.period}]"
        )
        need.buys.append(
            BuyVar(option.supplier, option.mode, option.period, option.arrival, chosen)
        )
    value = plant.materials[need.material].unit_cost
    if need.buys and holding_per_tick(plant, value, need.quantity):
        need.bought = model.new_bool_var(f"bought[{name}]")
        need.bought_start = model.new_int_var(0, latest, f"bought_start[{name}]")


def need_name(need: NeedVars) -> str:
    """order/material, and the part of a split: order/material/stock 60."""
    part = f"/{need.part} {need.quantity}" if need.part else ""
    return f"{need.order}/{need.material}{part}"


def new_checkpoint(model: cp_model.CpModel, need: NeedVars, tick: int) -> cp_model.IntVar:
    """Literal: the need is drawn from stock before the receipt arriving at ``tick``."""
    before = model.new_bool_var(f"drawn_before[{need_name(need)}@{tick}]")
    need.checkpoints[tick] = before
    return before


def new_shipment(
    model: cp_model.CpModel, key: tuple[str, str, str, int], min_order: int
) -> tuple[cp_model.IntVar, cp_model.IntVar | None]:
    """Whether a (supplier, material, mode, period) shipment is used, and its top-up units
    up to the minimum order (None without one)."""
    supplier, material, mode_name, period = key
    used = model.new_bool_var(f"ship[{supplier}/{material}/{mode_name}/p{period}]")
    surplus = model.new_int_var(0, min_order, f"surplus[{key}]") if min_order > 0 else None
    return used, surplus


def new_order_timing(
    model: cp_model.CpModel, order_vars: OrderVars, earliest: int, latest: int
) -> cp_model.IntVar:
    """Tardiness of an order, between ``earliest`` and ``latest`` ticks; completion is the end
    of its last step."""
    oid = order_vars.order
    tardiness = model.new_int_var(earliest, latest, f"tardiness[{oid}]")
    order_vars.completion = order_vars.steps[-1].end
    order_vars.tardiness = tardiness
    return tardiness


def new_machine_sequence(
    model: cp_model.CpModel, resource: str, nodes: list[tuple[str, int]]
) -> ChangeoverVars:
    """A changeover machine's sequence: whether each node opens or closes it, or it is idle."""
    sequence = ChangeoverVars(resource, nodes, idle=model.new_bool_var(f"idle[{resource}]"))
    for i in range(1, len(nodes) + 1):
        sequence.first[i] = model.new_bool_var(f"first[{resource}/{i}]")
        sequence.last[i] = model.new_bool_var(f"last[{resource}/{i}]")
    return sequence


def new_arc(
    model: cp_model.CpModel, sequence: ChangeoverVars, before: int, after: int, ticks: int
) -> ArcVar:
    """Literal: node ``after`` directly follows node ``before`` on the machine."""
    literal = model.new_bool_var(f"then[{sequence.resource}/{before}->{after}]")
    arc = ArcVar(before, after, literal, ticks)
    sequence.arcs.append(arc)
    return arc


def new_worst_slip(model: cp_model.CpModel, plant: Plant) -> cp_model.IntVar:
    """Ticks by which the latest of the asked orders finishes beyond its asked date."""
    return model.new_int_var(0, max(0, plant.horizon - min(0, *_dues(plant))), "worst_slip")


def _dues(plant: Plant) -> list[int]:
    return [order.due for order in plant.orders.values()]


def new_shift(
    model: cp_model.CpModel, plant: Plant, variables: ModelVars, step: StepVars, baseline: int
) -> ShiftVars:
    """The distance of a baseline step from its baseline start, counted if its order is made."""
    name = f"{step.order}/{step.id}"
    counted = model.new_int_var(0, plant.horizon, f"moved[{name}]")
    moved = ShiftVars(step, baseline, counted)
    variables.shifts.append(moved)
    return moved


def downtime_interval(
    model: cp_model.CpModel, resource: str, down: Downtime
) -> cp_model.IntervalVar:
    """A fixed interval holding the units of a pool that are down."""
    return model.new_fixed_size_interval_var(
        down.start, down.end - down.start, f"down[{resource}@{down.start}]"
    )
