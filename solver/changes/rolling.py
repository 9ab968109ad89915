"""Bring a baseline plan up to ``now``: what has started is fixed, the frozen window is held.

``roll_to`` pins every baseline step that started before ``now`` (the past cannot change) and
makes the orders they belong to firm, moves every release to ``now`` at the earliest, takes the stock that started steps drew off
the shelf, and turns purchases already ordered into open receipts. ``freeze`` then pins the
baseline steps that start inside the frozen window, for orders the change leaves alone, as
long as they still fit (no new downtime under them, pool capacity kept); an order that still
has to draw materials is not frozen, so that its supply stays in the model.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from solver.domain.intervals import containing
from solver.domain.plan import Plan, ScheduledStep
from solver.domain.plant import Pin, Plant, Receipt
from solver.supply import sources


def roll_to(plant: Plant, baseline: Plan, now: int) -> Plant:
    """The plant as it stands at ``now`` under the baseline plan."""
    if now <= 0:
        return plant
    pins = dict(plant.pins)
    for step in baseline.steps:
        if step.start < now and step.order in plant.orders:
            pins[(step.order, step.step_index)] = Pin(
                step.order, step.step_index, step.resource, step.start
            )
    started = {oid for oid, _ in pins}
    # Work in progress is no longer optional: a started order is made (as for WIP on load).
    orders = {
        oid: dataclasses.replace(
            o, release=max(o.release, now), status="firm" if oid in started else o.status
        )
        for oid, o in plant.orders.items()
    }
    rolled = plant.replace(pins=pins, orders=orders)
    return _settle_supply(rolled, plant, baseline, now)


def _settle_supply(rolled: Plant, plant: Plant, baseline: Plan, now: int) -> Plant:
    """Stock drawn by steps that started, and purchases already placed, as of ``now``."""
    if not plant.materials:
        return rolled
    drawn: dict[str, int] = defaultdict(int)
    placed: dict[str, list[Receipt]] = defaultdict(list)
    for s in baseline.supplies:
        if s.order not in plant.orders:
            continue
        # Drawn when the step consuming it started: before now, not before the plan start.
        index = sources.draw_step(plant, s.order, s.material)
        began = sources.drawn(rolled, s.order, index) and not sources.drawn(plant, s.order, index)
        if s.source == sources.STOCK and began:
            drawn[s.material] += s.quantity
    # Units pegged to each shipment that started steps have drawn (they are gone).
    consumed = sources.pegged_units(
        [
            s
            for s in baseline.supplies
            if s.order in plant.orders
            and sources.drawn(rolled, s.order, sources.draw_step(plant, s.order, s.material))
        ]
    )
    for p in baseline.purchases:
        if p.order_by >= now:
            continue
        # Ordered already: it will arrive whatever the plan does now.
        key = (p.supplier, p.material, p.mode, p.arrival)
        if plant.settings.surplus_to_stock:
            # All of it but what started steps drew: the minimum-order surplus and the
            # units of cancelled orders go to stock too.
            arriving = p.quantity - consumed.get(key, 0)
        else:
            # Only what is pegged to orders still to draw it (a split order draws the rest
            # from stock); the surplus is never used.
            users = [
                o
                for o in p.orders
                if o in rolled.orders and p.material in sources.requirements(rolled, o)
            ]
            need = sum(
                s.quantity
                for s in baseline.supplies
                if s.order in users and (s.source, s.material, s.mode, s.arrival) == key
            )
            arriving = min(need, p.quantity)
        if arriving > 0:
            receipt_id = f"{p.supplier}-{p.material}-{p.arrival}"
            placed[p.material].append(
                Receipt(receipt_id, p.material, arriving, p.arrival, p.supplier)
            )
    materials = dict(rolled.materials)
    for mid, material in materials.items():
        if drawn[mid] or placed[mid]:
            materials[mid] = dataclasses.replace(
                material,
                stock=max(0, material.stock - drawn[mid]),
                receipts=material.receipts + tuple(placed[mid]),
            )
    return rolled.replace(materials=materials)


def freeze(plant: Plant, baseline: Plan, now: int, fence: int, exclude: set[str]) -> Plant:
    """Pin baseline steps starting in [now, now + fence) of orders not in ``exclude``."""
    if fence <= 0:
        return plant
    by_order: dict[str, list[ScheduledStep]] = defaultdict(list)
    for step in baseline.steps:
        by_order[step.order].append(step)
    pins = dict(plant.pins)
    for oid, steps in by_order.items():
        if oid in exclude or oid not in plant.orders or sources.requirements(plant, oid):
            continue
        for step in sorted(steps, key=lambda s: s.step_index):
            if (oid, step.step_index) in pins:
                continue
            if not now <= step.start < now + fence or not _fits(plant, step):
                break
            pins[(oid, step.step_index)] = Pin(oid, step.step_index, step.resource, step.start)
    frozen = plant.replace(pins=pins)
    return _within_capacity(frozen, plant, now)


def _fits(plant: Plant, step: ScheduledStep) -> bool:
    if step.resource not in plant.resources:
        return False
    return containing(plant.availability[step.resource], step.start, step.end)


def _within_capacity(frozen: Plant, plant: Plant, now: int) -> Plant:
    """Drop the newly frozen pins of a resource whose pins would exceed its capacity, or on a
    changeover machine leave less than the changeover between two of them (a step between
    them in the baseline may be gone: a cancelled order)."""
    spans: dict[str, list[tuple[int, int, tuple[str, int]]]] = defaultdict(list)
    for key, pin in frozen.pins.items():
        spans[pin.resource].append((pin.start, frozen.pin_end(pin.order, pin.step), key))
    drop = set()
    for rid, items in spans.items():
        capacity = frozen.resources[rid].capacity
        for start, _, _ in items:
            if sum(1 for s, e, _ in items if s <= start < e) > capacity:
                drop |= {key for _, _, key in items if key not in plant.pins}
                break
        if rid in frozen.changeovers and frozen.pins_break_changeovers(rid):
            drop |= {key for _, _, key in items if key not in plant.pins}
    if not drop:
        return frozen
    # An order keeps a pinned prefix of its routing: drop what follows a dropped step too.
    first_dropped: dict[str, int] = {}
    for oid, index in drop:
        first_dropped[oid] = min(index, first_dropped.get(oid, index))
    kept = {
        key: pin
        for key, pin in frozen.pins.items()
        if key in plant.pins or key[1] < first_dropped.get(key[0], key[1] + 1)
    }
    return frozen.replace(pins=kept)
