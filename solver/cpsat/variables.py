"""Every CP-SAT variable of the scheduling model, in small dataclasses with readable names.

Options of one step share the step's start variable; each option has its own presence literal
and a fixed-size optional interval. An option's calendar (start domain) is enforced only when
it is chosen, so a step's start domain is the union of its options' domains.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from solver.data import Plant
from solver.supply import may_ship_from_stock

if TYPE_CHECKING:
    from solver.cpsat.materials import SupplyVars
    from solver.cpsat.stability import ShiftVars


@dataclass
class OptionVars:
    resource: str
    size: int
    domain: cp_model.Domain
    present: cp_model.IntVar
    interval: cp_model.IntervalVar


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
    lateness: cp_model.IntVar | None = None
    tardiness: cp_model.IntVar | None = None


@dataclass
class ModelVars:
    orders: dict[str, OrderVars] = field(default_factory=dict)
    supply: SupplyVars | None = None  # family 5, when the plant models supply
    shifts: list[ShiftVars] = field(default_factory=list)  # stability against a baseline

    def intervals_on(self, resource: str) -> list[cp_model.IntervalVar]:
        return [
            option.interval
            for order in self.orders.values()
            for step in order.steps
            for option in step.options
            if option.resource == resource
        ]


def start_domain(plant: Plant, resource: str, size: int, release: int) -> cp_model.Domain:
    """Starts at or after ``release`` from which ``size`` ticks fit inside one available window."""
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
        if may_ship_from_stock(plant, oid):
            made = model.new_bool_var(f"make[{oid}]")
            from_stock = model.new_bool_var(f"ship_from_stock[{oid}]")
            model.add(made + from_stock == accepted)
        steps = [
            _step_vars(model, plant, oid, index, made, domains)
            for index, _ in plant.remaining_steps(oid)
        ]
        variables.orders[oid] = OrderVars(oid, accepted, steps, made, from_stock)
    return variables


def _step_vars(model, plant: Plant, oid: str, index: int, made, domains: dict) -> StepVars:
    order = plant.orders[oid]
    step = plant.products[order.product].routing[index]
    name = f"{oid}/{step.id}"
    pin = plant.pins.get((oid, index))
    if pin is not None:
        option = next(o for o in step.options if o.resource == pin.resource)
        size = plant.duration(oid, option)
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

    candidates = []
    for option in step.options:
        size = plant.duration(oid, option)
        key = (option.resource, size, order.release)
        if key not in domains:
            domains[key] = start_domain(plant, *key)
        domain = domains[key]
        if not domain.is_empty():
            candidates.append((option.resource, size, domain))
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
    latest_end = union.max() + max(sizes)
    end = model.new_int_var(union.min() + min(sizes), latest_end, f"end[{name}]")
    options = []
    for resource, size, domain in candidates:
        present = made if len(candidates) == 1 else model.new_bool_var(f"use[{name}@{resource}]")
        interval = model.new_optional_fixed_size_interval_var(
            start, size, present, f"{name}@{resource}"
        )
        options.append(OptionVars(resource, size, domain, present, interval))
    return StepVars(oid, index, step.id, start, end, step.min_lag, options, latest_end)
