"""What supply the orders an LNS neighbourhood keeps fixed leave to the orders it frees.

A neighbourhood re-solves some orders and keeps every other where the plan has it; with
supply, the kept orders keep their materials too: their stock draws, their purchases and the
finished goods they ship. The freed orders get what is left, exactly:

- **Stock**: on hand and open receipts less the kept orders' draws (each when the step
  consuming it starts). With ``S(t)`` what would be left at ``t``, the freed orders' draws ``D(t)`` must stay
  within ``S(t)`` at every tick; ``D`` never falls, so that is the same as staying within
  ``S*(t) = min over s >= t of S(s)``, which never falls either: a stock on hand ``S*(0)`` and
  receipts at its rises. The freed orders' material is the same material with that stock,
  whose needs still split at the whole plant's stock levels (``sources.split_ways``; its cuts
  between two purchases are the offers' capacities, which a neighbourhood keeps).
- **Supplier capacity**: each offer's ``booked`` holds, per period, the units the kept orders'
  purchases take (their minimum-order top-ups included); the freed orders' purchases must fit
  in what is left. Each offer's ``pegged`` says which kept shipments (mode, period) exist and
  with how many pegged units: a freed order buying there joins the shipment, taking first from
  its top-up (no new minimum order, no new shipment charge), exactly as the merged plan will.
- **Minimum-order surplus** (``settings.surplus_to_stock``): a kept shipment's top-up is in
  the stock above from its arrival (kept orders may have drawn on it); a freed order joining
  the shipment pegs part of it, which leaves stock then, as the CP-SAT model and dispatch's
  ledger count it. A shipment of kept orders only keeps its top-up whole.
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
    purchases = build_purchases(plant, kept)
    # The kept shipments' top-ups, as the kept orders alone leave them.
    surpluses = sources.surplus_events(plant, kept, purchases)
    materials = {
        mid: _left_in_stock(plant, material, draws[mid], surpluses.get(mid, []))
        if mid in draws or mid in surpluses
        else material
        for mid, material in plant.materials.items()
    }
    return plant.replace(
        materials=materials,
        suppliers=_booked(plant, purchases, kept),
        products=_finished_goods_left(plant, plan, free),
    )


def _left_in_stock(
    plant: Plant,
    material: Material,
    draws: list[tuple[int, int]],
    surpluses: list[tuple[int, int]],
) -> Material:
    """The material with the stock profile ``S*`` that the kept draws leave of its stock,
    receipts and the kept shipments' surpluses."""
    changes: dict[int, int] = defaultdict(int)
    for tick, units in sources.stock_events(plant, material.id) + surpluses:
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


def _booked(plant: Plant, purchases: list, kept: list) -> dict:
    """Every supplier with each offer's ``booked`` units per period and its ``pegged``
    shipments, from the kept orders' ``purchases``."""
    load: dict[tuple[str, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    pegged: dict[tuple[str, str], dict[tuple[str, int], int]] = defaultdict(
        lambda: defaultdict(int)
    )
    for p in purchases:
        period = sources.period_of(plant.suppliers[p.supplier], p.arrival)
        load[(p.supplier, p.material)][period] += p.quantity
    for s in kept:
        if s.source != sources.STOCK:
            period = sources.period_of(plant.suppliers[s.source], s.arrival)
            pegged[(s.source, s.material)][(s.mode, period)] += s.quantity
    suppliers = {}
    for sid, supplier in plant.suppliers.items():
        offers = {
            mid: dataclasses.replace(
                offer,
                booked=tuple(sorted(load[(sid, mid)].items())),
                pegged=tuple(sorted((m, p, u) for (m, p), u in pegged[(sid, mid)].items())),
            )
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


def keep_surplus_sources(plant: Plant, plan: Plan, free: set[str]) -> set[str]:
    """``free`` less the orders whose shipments bring minimum-order surplus the kept orders'
    stock draws need (``settings.surplus_to_stock``).

    A kept order may draw stock that only the top-up of a freed order's shipment brings. The
    sub-plant cannot promise that shipment (it exists only if the freed orders buy there
    again), so such shipments stay with their orders: the earliest are kept first, until the
    kept draws fit in what stock, receipts and the kept shipments bring.
    """
    if not plant.settings.surplus_to_stock or not sources.has_supply(plant):
        return free
    free = set(free)
    drawn_at = sources.draw_starts(plant, plan)
    pegged = sources.pegged_units(plan.supplies)
    topped_up = [
        p
        for p in plan.purchases
        if p.quantity > pegged.get((p.supplier, p.material, p.mode, p.arrival), 0)
    ]
    changed = True
    while changed:  # an order kept for one material draws others too
        changed = False
        kept = [s for s in plan.supplies if s.order not in free]
        # The kept orders' own shipments and the top-ups they bring, once a round.
        surpluses = sources.surplus_events(plant, kept, build_purchases(plant, kept))
        for material in sorted({s.material for s in kept if s.source == sources.STOCK}):
            short = _kept_short(plant, material, kept, drawn_at, surpluses.get(material, []))
            if short is None:
                continue
            bringing = [
                p
                for p in topped_up
                if p.material == material and p.arrival <= short and set(p.orders) <= free
            ]
            if bringing:  # else the plan itself is short: the checker says so elsewhere
                free -= set(min(bringing, key=lambda p: p.arrival).orders)
                changed = True
                break
    return free


def _kept_short(
    plant: Plant, material: str, kept: list, drawn_at: dict, surpluses: list
) -> int | None:
    """The first tick at which the kept orders' draws of ``material`` exceed what its stock,
    receipts and the kept orders' own shipments' ``surpluses`` bring; None if they never do."""
    draws = [
        (drawn_at[(s.order, s.material)], -s.quantity)
        for s in kept
        if s.source == sources.STOCK and s.material == material
    ]
    short = sources.first_shortage(sources.stock_events(plant, material) + surpluses + draws)
    return None if short is None else short[0]
