"""One function per constraint family of DESIGN.md, applied in this order by ``add_all``.

1. assignment: exactly one eligible resource per step of an accepted order, within its calendar;
2. routing: steps in sequence, with minimum lags;
3. capacity: NoOverlap on machines, Cumulative on pools, partial pool downtime as fixed load;
   work that pauses over breaks spans them (``add_pauses``);
4. changeovers (``changeovers.py``): a circuit on each machine with a changeover matrix;
5. materials and supply (``materials.py``): a source per order and material, stock never
   negative, material before the step that draws it, supplier capacity, finished goods;
6. pinning: work in progress keeps resource and start. This family is realised in
   ``variables.py`` as constant start and end (a domain, never a hint), so there is nothing to
   add here.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.domain.plant import Plant
from solver.solve.cpsat.changeovers import add_changeovers
from solver.solve.cpsat.materials import add_supply
from solver.solve.cpsat.variables import ModelVars, downtime_interval
from solver.supply.sources import has_supply


def add_all(model: cp_model.CpModel, plant: Plant, variables: ModelVars) -> None:
    """Add every constraint family to the model."""
    add_assignment(model, variables)
    add_pauses(model, variables)
    add_routing(model, variables)
    add_capacity(model, plant, variables)
    if plant.changeovers:
        variables.changeovers = add_changeovers(model, plant, variables)
    if has_supply(plant):
        variables.supply = add_supply(model, plant, variables)


def add_assignment(model: cp_model.CpModel, variables: ModelVars) -> None:
    """Family 1: one option per step when the order is made; its calendar and duration."""
    for order in variables.orders.values():
        for step in order.steps:
            if step.pinned:
                continue
            if len(step.options) > 1:
                model.add(sum(o.present for o in step.options) == order.made)
            for option in step.options:
                model.add_linear_expression_in_domain(step.start, option.domain).only_enforce_if(
                    option.present
                )
                model.add(step.end == option.end_expr(step.start)).only_enforce_if(option.present)


def add_pauses(model: cp_model.CpModel, variables: ModelVars) -> None:
    """Family 3, work that pauses over breaks: a chosen option's start falls in one calendar
    segment, and its span is that segment's (work plus the breaks it crosses)."""
    for order in variables.orders.values():
        for step in order.steps:
            for option in step.options:
                if not option.segments:
                    continue
                model.add(sum(seg.chosen for seg in option.segments) == option.present)
                for seg in option.segments:
                    model.add_linear_constraint(step.start, seg.low, seg.high).only_enforce_if(
                        seg.chosen
                    )
                    model.add(option.span == seg.offset).only_enforce_if(seg.chosen)


def add_routing(model: cp_model.CpModel, variables: ModelVars) -> None:
    """Family 2: each step starts after the previous one ends plus its minimum lag."""
    for order in variables.orders.values():
        for before, after in zip(order.steps, order.steps[1:], strict=False):
            model.add(after.start >= before.end + before.lag).only_enforce_if(order.made)


def add_capacity(model: cp_model.CpModel, plant: Plant, variables: ModelVars) -> None:
    """Family 3: at most ``capacity`` steps at once on each resource.

    Calendars and full downtime are already excluded through start domains; only downtime of
    some units of a pool needs a fixed interval here.
    """
    pausing = variables.pausing_resources()
    for rid, resource in plant.resources.items():
        intervals = variables.intervals_on(rid)
        partial = [
            d for d in resource.downtime if d.units is not None and d.units < resource.capacity
        ]
        if rid in pausing and resource.capacity == 1:
            # A pausing step's start domain does not keep its span off other orders' fixed
            # steps (an LNS neighbourhood's held downtime): they are intervals here.
            intervals += [
                downtime_interval(model, rid, d)
                for d in resource.downtime
                if d.held and (d.units is None or d.units >= resource.capacity)
            ]
        if resource.capacity == 1:
            if len(intervals) > 1:
                model.add_no_overlap(intervals)
            continue
        demands = [1] * len(intervals)
        for down in partial:
            intervals.append(downtime_interval(model, rid, down))
            demands.append(down.units)
        # Judged by demand, never by count: a downtime interval takes several units at once.
        if sum(demands) > resource.capacity:
            model.add_cumulative(intervals, demands, resource.capacity)
