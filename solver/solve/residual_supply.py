"""What supply the orders an LNS neighbourhood keeps fixed leave to the orders it frees.

A neighbourhood re-solves some orders and keeps every other where the plan has it; with
supply, the kept orders keep their materials too: their stock draws, their purchases and the
finished goods they ship. The freed orders get what is left, exactly:

- **Stock**: on hand and open receipts less the kept orders' draws (each when the step
  consuming it starts). With ``S(t)`` what would be left at ``t``, the freed orders' draws ``D(t)`` must stay
  within ``S(t)`` at every tick; ``D`` never falls, so that is the same as staying within
  ``S*(t) = min over s >= t of S(s)``, which never falls either: a stock on hand ``S*(0)`` and
  receipts at its rises. The freed orders' material is the same material with that stock,
  whose needs still split at the whole plant's stock levels (``sources.split_sizes``).
- **Supplier capacity**: each offer's ``booked`` holds, per period, the units the kept orders'
  purchases take (their minimum-order top-ups included); the freed orders' purchases must fit
  in what is left. A freed order that would join a kept shipment is counted as a shipment of
  its own there (its own minimum order, its own charge): never more than the real load, so the
  merged plan keeps capacity; the merged plan is priced again as a whole.
- **Finished goods**: each product's stock less what the kept orders ship from it.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from solver.domain.plan import Plan
from solver.domain.plant import Material, Plant, Receipt
from solver.supply import sources
from solver.supply.allocation import build_purchases


def residual_supply(plant: Plant, plan: Plan, free: set[str]) -> Plant:
    """The plant with the supply the orders outside ``free`` leave, as ``plan`` uses it.

    Parameters
    ----------
    plant : Plant
        With supply (``sources.has_supply``); any other plant comes back as it is.
    plan : Plan
        A complete, valid plan of ``plant``.
    free : set of str
        The orders a neighbourhood re-solves.
    """
    if not sources.has_supply(plant):
        return plant
    kept = [s for s in plan.supplies if s.order not in free]
    drawn_at = sources.draw_starts(plant, plan)
    draws: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for s in kept:
        if s.source == sources.STOCK:
            draws[s.material].append((drawn_at[(s.order, s.material)], s.quantity))
    materials = {
        mid: _left_in_stock(plant, material, draws[mid]) if mid in draws else material
        for mid, material in plant.materials.items()
    }
    return plant.replace(
        materials=materials,
        suppliers=_booked(plant, build_purchases(plant, kept)),
        products=_finished_goods_left(plant, plan, free),
    )


def _left_in_stock(plant: Plant, material: Material, draws: list[tuple[int, int]]) -> Material:
    """The material with the stock profile ``S*`` that the kept draws leave."""
    changes: dict[int, int] = defaultdict(int)
    for tick, units in sources.stock_events(plant, material.id):
        changes[tick] += units
    for tick, units in draws:
        changes[tick] -= units
    ticks = sorted(changes)
    level, levels = 0, []
    for tick in ticks:
        level += changes[tick]
        levels.append(level)
    # S*(t): the least level from t on, taken from the end.
    lowest, floor = [], None
    for level in reversed(levels):
        floor = level if floor is None else min(floor, level)
        lowest.append(floor)
    lowest.reverse()
    on_hand = max(0, lowest[0]) if ticks and ticks[0] <= 0 else 0
    receipts, before = [], on_hand
    for tick, floor in zip(ticks, lowest, strict=True):
        if tick > 0 and floor > before:
            receipts.append(Receipt(f"left@{tick}", material.id, floor - before, tick))
            before = floor
    return dataclasses.replace(
        material,
        stock=on_hand,
        receipts=tuple(receipts),
        split_levels=sources.stock_levels(plant, material.id),
    )


def _booked(plant: Plant, purchases: list) -> dict:
    """Every supplier with each offer's ``booked`` units per period from ``purchases``."""
    load: dict[tuple[str, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for p in purchases:
        supplier = plant.suppliers[p.supplier]
        load[(p.supplier, p.material)][sources.period_of(supplier, p.arrival)] += p.quantity
    suppliers = {}
    for sid, supplier in plant.suppliers.items():
        offers = {
            mid: dataclasses.replace(offer, booked=tuple(sorted(load[(sid, mid)].items())))
            if (sid, mid) in load
            else offer
            for mid, offer in supplier.offers.items()
        }
        suppliers[sid] = dataclasses.replace(supplier, offers=offers)
    return suppliers


def _finished_goods_left(plant: Plant, plan: Plan, free: set[str]) -> dict:
    """Every product with its finished goods less what the kept orders ship from them."""
    shipped: dict[str, int] = defaultdict(int)
    for outcome in plan.outcomes:
        if outcome.from_stock and outcome.order not in free:
            order = plant.orders[outcome.order]
            shipped[order.product] += order.quantity
    return {
        pid: dataclasses.replace(product, stock=product.stock - shipped[pid])
        if pid in shipped
        else product
        for pid, product in plant.products.items()
    }
