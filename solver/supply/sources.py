"""Material needs, supplier lead times and arrival periods: plain arithmetic on the Plant.

Shared by list scheduling, the CP-SAT model, the checker and the KPIs so that all of them
agree on what an order needs, when it draws it, when a purchase can arrive and which period's
capacity it uses.

An order draws each material of its bill when the step its BOM line names starts (the
product's first step when the line names none): that material must be there (in stock, or
its purchase arrived) by then, and a stock draw lowers the stock from then on. ``draw_step``
says which step that is and ``draw_starts`` when a plan has it start; every layer asks them
instead of assuming the first step.

A purchase is planned per supplier period (a week by default, counted from the plan start):
in period ``k`` it arrives at ``max(k x period, effective lead)`` and uses that period's
capacity. Arriving as early as the period allows is never worse for dates, so nothing is lost
by fixing the arrival within a period.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from solver.domain.plan import Plan
from solver.domain.plant import CapacityGroup, Mode, Offer, Plant, Supplier

STOCK = "stock"


def need(per_unit: float, quantity: int) -> int:
    """Whole units of material for ``quantity`` units of product (rounded up)."""
    return math.ceil(per_unit * quantity - 1e-9)


def started(plant: Plant, order_id: str) -> bool:
    """Whether any of the order's work is done or in progress (it can no longer ship from
    finished goods instead)."""
    return plant.first_step(order_id) > 0 or (order_id, 0) in plant.pins


def draw_step(plant: Plant, order_id: str, material: str) -> int:
    """Index of the routing step at whose start an order draws a material.

    Parameters
    ----------
    plant : Plant
    order_id : str
    material : str

    Returns
    -------
    int
        The step its product's BOM line names, else 0 (the first step).
    """
    return plant.products[plant.orders[order_id].product].draw_index(material)


def drawn(plant: Plant, order_id: str, index: int) -> bool:
    """Whether what step ``index`` of an order consumes is drawn already: the step is done, or
    in progress (pinned), and took its materials when it started."""
    return index < plant.first_step(order_id) or (order_id, index) in plant.pins


def requirements(plant: Plant, order_id: str) -> dict[str, int]:
    """Material -> units an order still has to draw: its bill's lines whose step has not
    started (work in progress and finished steps consumed theirs)."""
    order = plant.orders[order_id]
    product = plant.products[order.product]
    return {
        line.material: need(line.per_unit, order.quantity)
        for line in product.bom
        if not drawn(plant, order_id, product.draw_index(line.material))
    }


def draw_starts(plant: Plant, plan: Plan) -> dict[tuple[str, str], int]:
    """(order, material) -> the tick a plan's supply is drawn: the start of the step that
    consumes it (``draw_step``).

    Parameters
    ----------
    plant : Plant
        The plant the plan is for (its bills say which step draws what).
    plan : Plan

    Returns
    -------
    dict
        One entry per supply of an order with steps in the plan. A plan that lacks the
        drawing step, or names an order the plant lacks (plans the checker refuses), draws
        at the order's first planned start, so that every fact can still be computed from it.
    """
    step_starts: dict[tuple[str, int], int] = {}
    first: dict[str, int] = {}
    for step in plan.steps:
        key = (step.order, step.step_index)
        step_starts[key] = min(step.start, step_starts.get(key, step.start))
        first[step.order] = min(step.start, first.get(step.order, step.start))
    draws: dict[tuple[str, str], int] = {}
    for s in plan.supplies:
        if s.order not in first:
            continue
        index = draw_step(plant, s.order, s.material) if s.order in plant.orders else -1
        draws[(s.order, s.material)] = step_starts.get((s.order, index), first[s.order])
    return draws


# Stock parts a need may split at (the largest levels below the need): each is a pattern of
# literals per buy option in the model, so a few keep it small.
MAX_SPLIT_SIZES = 3


def split_sizes(
    plant: Plant, order_id: str, material: str, quantity: int | None = None
) -> tuple[int, ...]:
    """Units of stock an order's need for a material may take when the rest is bought.

    A need of N units may come from stock and one purchase together: k units from stock and
    N - k bought (``settings.split_needs``). k is one of the levels stock and open receipts
    reach in all as they arrive (on hand, then each receipt added), below N: all the stock
    there is by then, the part a purchase need not cover. The largest ``MAX_SPLIT_SIZES``
    such levels are offered; other splits are not considered (see docs/architecture.md).

    Parameters
    ----------
    plant : Plant
    order_id : str
    material : str
    quantity : int, optional
        The need, when the caller has it (dispatch and the model ask per need); by default
        from ``requirements``.

    Returns
    -------
    tuple of int
        Ascending; empty when splitting is off, the material has no stock or no offer, or
        no level is below the need.
    """
    if not plant.settings.split_needs or not plant.materials[material].stocked:
        return ()
    if not any(material in s.offers for s in plant.suppliers.values()):
        return ()
    if quantity is None:
        quantity = requirements(plant, order_id).get(material, 0)
    below = [level for level in stock_levels(plant, material) if level < quantity]
    return tuple(below[-MAX_SPLIT_SIZES:])


# Capacity cuts a bought rest may be split at into two purchases (the largest): each is one
# more pair of parts with a literal per buy option, so a few keep the model small.
MAX_PURCHASE_CUTS = 2


@dataclass(frozen=True)
class Split:
    """A way to supply a need in parts: ``stock`` units from stock (0: none) and one
    purchase of each quantity in ``bought`` (one or two, largest first)."""

    stock: int
    bought: tuple[int, ...]

    @property
    def parts(self) -> tuple[tuple[str, int], ...]:
        """(kind, units) of each part: ``stock`` first when there is one, then ``bought``."""
        head = ((STOCK, self.stock),) if self.stock else ()
        return head + tuple(("bought", units) for units in self.bought)


def split_ways(
    plant: Plant, order_id: str, material: str, quantity: int | None = None
) -> tuple[Split, ...]:
    """Every split a need may take instead of one source (``settings.split_needs``).

    - stock and one purchase: ``k`` units from stock, ``k`` one of ``split_sizes``, and the
      rest bought;
    - two purchases: a bought quantity ``R`` (the whole need, or the rest after such a stock
      part) in two parts, ``c`` and ``R - c``, where ``c`` is one of ``purchase_cuts``: what
      one offer may deliver in a period. Each part may come from any supplier, mode and
      period (not the same shipment twice: that is one purchase).

    Parameters
    ----------
    plant : Plant
    order_id : str
    material : str
    quantity : int, optional
        The need, by default from ``requirements``.

    Returns
    -------
    tuple of Split
        Stock-and-one-purchase splits first; empty when splitting is off or no supplier
        offers the material.
    """
    if not plant.settings.split_needs:
        return ()
    if not any(material in s.offers for s in plant.suppliers.values()):
        return ()
    if quantity is None:
        quantity = requirements(plant, order_id).get(material, 0)
    levels = split_sizes(plant, order_id, material, quantity)
    ways = [Split(units, (quantity - units,)) for units in levels]
    for units in (0, *levels):
        rest = quantity - units
        for cut in purchase_cuts(plant, material, rest):
            pair = (max(cut, rest - cut), min(cut, rest - cut))
            way = Split(units, pair)
            if way not in ways:
                ways.append(way)
    return tuple(ways)


def purchase_cuts(plant: Plant, material: str, quantity: int) -> tuple[int, ...]:
    """Where ``quantity`` bought units may be cut into two purchases: each offer's limit per
    period (``capacities``) below the quantity whose rest one offer can deliver, the
    largest ``MAX_PURCHASE_CUTS``. An offer that can take it all in one period needs no cut,
    but a cheaper one with less capacity may take its limit and another the rest."""
    limits = [
        limit_of(plant, sid, material) for sid, s in plant.suppliers.items() if material in s.offers
    ]
    largest = None if None in limits else max(limits, default=0)
    cuts = {
        limit
        for limit in limits
        if limit is not None
        and 0 < limit < quantity
        and (largest is None or quantity - limit <= largest)
    }
    return tuple(sorted(cuts)[-MAX_PURCHASE_CUTS:])


def stock_levels(plant: Plant, material: str) -> tuple[int, ...]:
    """The levels a material's stock and receipts reach in all as they arrive (``stock_events``
    added up), ascending; its ``split_levels`` when set: a neighbourhood's material keeps the
    whole plant's."""
    mat = plant.materials[material]
    if mat.split_levels is not None:
        return mat.split_levels
    levels, level = [], 0
    for _, units in stock_events(plant, material):
        level += units
        levels.append(level)
    return tuple(sorted({lv for lv in levels if lv > 0}))


def may_ship_from_stock(plant: Plant, order_id: str) -> bool:
    """Whether finished goods on hand could serve the order instead of production."""
    order = plant.orders[order_id]
    return plant.products[order.product].stock >= order.quantity and not started(plant, order_id)


def effective_lead(plant: Plant, supplier: Supplier, mode: Mode) -> int:
    """Lead time in ticks as planned: padded by 1/reliability when ``supplier_risk`` is pad."""
    if plant.settings.supplier_risk == "pad" and supplier.reliability < 1:
        return math.ceil(mode.lead / supplier.reliability - 1e-9)
    return mode.lead


def arrival_in(plant: Plant, supplier: Supplier, mode: Mode, period: int) -> int | None:
    """When a purchase arriving in ``period`` arrives, or None if it cannot arrive then."""
    lead = effective_lead(plant, supplier, mode)
    begin, end = period * supplier.period, (period + 1) * supplier.period
    arrival = max(begin, lead)
    if arrival >= end or arrival >= plant.horizon:
        return None
    return arrival


def period_of(supplier: Supplier, tick: int) -> int:
    return tick // supplier.period


@dataclass(frozen=True)
class BuyOption:
    """One way to buy a material: a supplier's offer, a shipping mode, an arrival period."""

    supplier: str
    mode: Mode
    period: int
    arrival: int


def free_flowing(offer: Offer, mode: Mode) -> bool:
    """Whether buying in one period is as good as in any other for this offer and mode.

    With no capacity, no minimum order and no charge per shipment, a purchase's cost and
    feasibility do not depend on its period or on other purchases: only its arrival does, and
    the earliest arrival is never worse for an order's dates.
    """
    return (
        offer.capacity is None
        and not offer.group
        and offer.min_order == 0
        and mode.cost_per_shipment == 0
    )


def buy_options(plant: Plant, material: str, latest: int) -> Iterator[BuyOption]:
    """Every (supplier, mode, period) that can deliver a material by tick ``latest``.

    An expedite is offered only in periods where the standard mode cannot arrive as early:
    elsewhere it would arrive at the same time for more money. A ``free_flowing`` offer and
    mode is offered in its first period only: any plan buying it later is matched by the same
    plan buying it then, at the same cost (the generated plants' broker: one option per need
    instead of one per week of the horizon).
    """
    for sid, supplier in plant.suppliers.items():
        offer = supplier.offers.get(material)
        if offer is None:
            continue
        standard = offer.modes[0]
        for mode in offer.modes:
            first_only = free_flowing(offer, mode)
            for period in range(plant.horizon // supplier.period + 1):
                arrival = arrival_in(plant, supplier, mode, period)
                if arrival is None:
                    continue
                if arrival > latest:
                    break
                if mode.expedited:
                    usual = arrival_in(plant, supplier, standard, period)
                    if usual is not None and usual <= arrival:
                        continue
                yield BuyOption(sid, mode, period, arrival)
                if first_only:
                    break


def offer_for(plant: Plant, supplier: str, material: str) -> Offer:
    return plant.suppliers[supplier].offers[material]


def mode_named(offer: Offer, name: str) -> Mode:
    return next(m for m in offer.modes if m.name == name)


def stock_events(plant: Plant, material: str) -> list[tuple[int, int]]:
    """(tick, units) that add to a material's stock: on hand at 0, then receipts by tick.

    Receipts arriving at the same tick are one event.
    """
    mat = plant.materials[material]
    by_tick: dict[int, int] = {0: mat.stock} if mat.stock else {}
    for receipt in mat.receipts:
        tick = max(0, receipt.arrival)
        by_tick[tick] = by_tick.get(tick, 0) + receipt.quantity
    return sorted(by_tick.items())


def takes_surplus(plant: Plant, material: str) -> bool:
    """Whether a shipment of the material may bring a minimum-order surplus into stock
    (``settings.surplus_to_stock`` and an offer with a minimum order)."""
    if not plant.settings.surplus_to_stock:
        return False
    return any(
        supplier.offers[material].min_order > 0
        for supplier in plant.suppliers.values()
        if material in supplier.offers
    )


def may_draw_stock(plant: Plant, material: str) -> bool:
    """Whether stock is a possible source of the material: some is on hand or on its way,
    or a minimum-order surplus may bring some (``takes_surplus``)."""
    return plant.materials[material].stocked or takes_surplus(plant, material)


def surplus_events(
    plant: Plant, supplies: tuple | list, purchases: tuple | list
) -> dict[str, list[tuple[int, int]]]:
    """(arrival, units) per material that minimum-order surpluses of ``purchases`` (a plan's
    shipments) add to stock: a shipment's quantity less the units of ``supplies`` pegged to
    it, when it arrives.

    Empty when ``settings.surplus_to_stock`` is off (the surplus is bought but not used).
    """
    events: dict[str, list[tuple[int, int]]] = {}
    if not plant.settings.surplus_to_stock:
        return events
    pegged = pegged_units(supplies)
    for p in purchases:
        surplus = p.quantity - pegged.get((p.supplier, p.material, p.mode, p.arrival), 0)
        if surplus > 0:
            events.setdefault(p.material, []).append((max(0, p.arrival), surplus))
    return events


def pegged_units(supplies: tuple | list) -> dict[tuple[str, str, str, int], int]:
    """Units pegged to each shipment (supplier, material, mode, arrival) by bought supplies."""
    pegged: dict[tuple[str, str, str, int], int] = {}
    for s in supplies:
        if s.source != STOCK:
            key = (s.source, s.material, s.mode, s.arrival)
            pegged[key] = pegged.get(key, 0) + s.quantity
    return pegged


def first_shortage(events: list[tuple[int, int]]) -> tuple[int, int] | None:
    """(tick, level) where stock (tick, change) events first drive the level below zero,
    arrivals before draws at one tick (a draw at an arrival may use it); None if never."""
    level = 0
    for tick, change in sorted(events, key=lambda e: (e[0], -e[1])):
        level += change
        if level < 0:
            return tick, level
    return None


def finished_goods_value(plant: Plant, product_id: str) -> float:
    """Value of one finished unit: conversion cost plus its materials."""
    product = plant.products[product_id]
    return product.unit_cost + sum(
        line.per_unit * plant.materials[line.material].unit_cost for line in product.bom
    )


def has_supply(plant: Plant) -> bool:
    """Whether the plant models materials, suppliers or finished-goods stock at all."""
    return bool(plant.materials or plant.suppliers) or any(p.stock for p in plant.products.values())


def stock_ready(plant: Plant, material: str, quantity: int) -> int | None:
    """Earliest tick by which stock and receipts alone hold ``quantity`` units."""
    level = 0
    for tick, units in stock_events(plant, material):
        level += units
        if level >= quantity:
            return tick
    return None


def earliest_supply(
    plant: Plant, material: str, quantity: int, splits: tuple[Split, ...] = ()
) -> int | None:
    """Earliest tick ``quantity`` units could be there if no other order needed any.

    From one source (stock and receipts, or one supplier whose period capacity covers the
    need), or from one of the need's ``splits`` (``split_ways``): its stock part and its
    purchases, there when all are.
    """
    candidates = []
    if material in plant.materials:
        ready = stock_ready(plant, material, quantity)
        if ready is not None:
            candidates.append(ready)
    bought = earliest_purchase(plant, material, quantity)
    if bought is not None:
        candidates.append(bought)
    for split in splits:
        ready = stock_ready(plant, material, split.stock) if split.stock else 0
        rest = earliest_purchases(plant, material, split.bought)
        if ready is not None and rest is not None:
            candidates.append(max(ready, rest))
    return min(candidates, default=None)


def earliest_purchase(plant: Plant, material: str, quantity: int) -> int | None:
    """Earliest arrival of one purchase of ``quantity`` units (a supplier whose period
    capacity is below it cannot deliver it)."""
    candidates = []
    for supplier in plant.suppliers.values():
        offer = supplier.offers.get(material)
        if offer is None:
            continue
        limit = limit_of(plant, supplier.id, material)
        if limit is not None and limit < quantity:
            continue
        for mode in offer.modes:
            lead = effective_lead(plant, supplier, mode)
            arrival = arrival_in(plant, supplier, mode, period_of(supplier, lead))
            if arrival is not None:
                candidates.append(arrival)
    return min(candidates, default=None)


def earliest_purchases(plant: Plant, material: str, parts: tuple[int, ...]) -> int | None:
    """Earliest tick by which one purchase of each quantity in ``parts`` (one or two) could
    all have arrived: two purchases in one supplier's period share its capacity there."""
    if len(parts) == 1:
        return earliest_purchase(plant, material, parts[0])
    first, second = parts
    options = [
        (option, limit_of(plant, option.supplier, material))
        for option in buy_options(plant, material, plant.horizon)
    ]
    best = None
    for one, limit_one in options:
        if limit_one is not None and limit_one < first:
            continue
        for two, limit_two in options:
            if limit_two is not None and limit_two < second:
                continue
            if (one.supplier, one.period) == (two.supplier, two.period) and (
                limit_one is not None and limit_one < first + second
            ):
                continue
            arrival = max(one.arrival, two.arrival)
            if best is None or arrival < best:
                best = arrival
    return best


def material_ready(plant: Plant, order_id: str) -> int | None:
    """Earliest tick all of an order's materials could be there, or None if some cannot."""
    by_step = material_ready_by_step(plant, order_id)
    return None if by_step is None else max(by_step.values(), default=0)


def material_ready_by_step(plant: Plant, order_id: str) -> dict[int, int] | None:
    """Step index -> earliest tick every material that step draws could be there (each from
    one source or one of its splits (``split_ways``), no other order drawing); steps that
    draw nothing are
    absent. None when some material has no source at all.

    Parameters
    ----------
    plant : Plant
    order_id : str

    Returns
    -------
    dict or None
    """
    ready: dict[int, int] = {}
    for material, quantity in requirements(plant, order_id).items():
        splits = split_ways(plant, order_id, material, quantity)
        arrival = earliest_supply(plant, material, quantity, splits)
        if arrival is None:
            return None
        index = draw_step(plant, order_id, material)
        ready[index] = max(ready.get(index, 0), arrival)
    return ready


def capacities(supplier: Supplier, offer: Offer) -> list[int]:
    """Per-period limits on buying the offer: its own capacity and its group's."""
    found = [] if offer.capacity is None else [offer.capacity]
    group = group_of(supplier, offer.material)
    return found + ([] if group is None else [group.capacity])


def limit_of(plant: Plant, supplier: str, material: str) -> int | None:
    """The most units of a material one supplier may deliver in a period (its offer's
    capacity or its group's, the smaller), or None when unlimited."""
    found = plant.suppliers[supplier]
    return min(capacities(found, found.offers[material]), default=None)


def group_of(supplier: Supplier, material: str) -> CapacityGroup | None:
    """The capacity group of the supplier that ``material`` shares, if any."""
    return next((g for g in supplier.capacity_groups if material in g.materials), None)
