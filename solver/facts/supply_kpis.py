"""Supply KPIs of a plan: what is bought, from whom, how full suppliers are, who waits.

Pure functions over (plant, plan), like ``kpis``; kept apart because only plants that model
supply need them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from solver.domain.plan import Plan
from solver.domain.plant import STANDARD, Plant
from solver.supply import sources
from solver.supply.allocation import StockLedger
from solver.supply.sources import STOCK


@dataclass(frozen=True)
class SupplierUse:
    """One supplier's part in one material: units, money, share of units bought, peak load."""

    supplier: str
    material: str
    units: int
    value: float
    share: float
    peak_use: float | None  # highest share of a period's capacity; None when unlimited


@dataclass(frozen=True)
class Waiting:
    """An order's step that waits for the material it draws (``source``: stock or a supplier);
    ``start`` is when that step starts, ``step`` its id."""

    order: str
    material: str
    source: str
    mode: str
    ready: int
    start: int
    step: str = ""


@dataclass(frozen=True)
class SupplyKpis:
    purchase_cost: float
    expedite_cost: float
    shipments: int
    expedited_shipments: int
    from_finished_goods: int
    suppliers: list[SupplierUse]
    waiting: list[Waiting]


def compute_supply_kpis(plant: Plant, plan: Plan) -> SupplyKpis:
    """Purchase and expedite cost, each supplier's share and capacity use, orders waiting.

    Parameters
    ----------
    plant : Plant
    plan : Plan

    Returns
    -------
    SupplyKpis
    """
    purchase_cost = expedite_cost = 0.0
    units: dict[tuple[str, str], int] = defaultdict(int)
    value: dict[tuple[str, str], float] = defaultdict(float)
    per_period: dict[tuple[str, str, int], int] = defaultdict(int)
    for p in plan.purchases:
        offer = sources.offer_for(plant, p.supplier, p.material)
        mode = sources.mode_named(offer, p.mode)
        purchase_cost += p.quantity * offer.price
        expedite_cost += p.quantity * mode.cost_per_unit + mode.cost_per_shipment
        units[(p.supplier, p.material)] += p.quantity
        value[(p.supplier, p.material)] += p.cost
        period = sources.period_of(plant.suppliers[p.supplier], p.arrival)
        per_period[(p.supplier, p.material, period)] += p.quantity
    by_material: dict[str, int] = defaultdict(int)
    for (_, material), count in units.items():
        by_material[material] += count
    suppliers = []
    for (sid, material), count in sorted(units.items(), key=lambda kv: (kv[0][1], -kv[1])):
        capacity = plant.suppliers[sid].offers[material].capacity
        peak = None
        if capacity is not None:
            peak = max(u for (s, m, _), u in per_period.items() if s == sid and m == material)
            peak /= capacity
        suppliers.append(
            SupplierUse(
                sid, material, count, value[(sid, material)], count / by_material[material], peak
            )
        )
    return SupplyKpis(
        purchase_cost=round(purchase_cost, 2),
        expedite_cost=round(expedite_cost, 2),
        shipments=len(plan.purchases),
        expedited_shipments=sum(1 for p in plan.purchases if p.mode != STANDARD),
        from_finished_goods=sum(1 for o in plan.outcomes if o.from_stock),
        suppliers=suppliers,
        waiting=waiting_on_material(plant, plan),
    )


def waiting_on_material(plant: Plant, plan: Plan) -> list[Waiting]:
    """Orders whose step drawing a material starts as soon as the material allows, later than
    their release.

    A material holds an order when the step that draws it (its BOM line's step, by default the
    first) begins in the first working window of its resource, at or after the moment the
    material is there: its purchase's arrival, or the earliest tick the stock (given every
    other order's draws) covers it.
    """
    steps = {(step.order, step.step_index): step for step in plan.steps}
    drawing: dict[tuple[str, str], object] = {}
    for s in plan.supplies:
        if s.order in plant.orders:
            step = steps.get((s.order, sources.draw_step(plant, s.order, s.material)))
            if step is not None:
                drawing[(s.order, s.material)] = step
    ledgers: dict[str, StockLedger] = {}
    surpluses = sources.surplus_events(plant, plan.supplies, plan.purchases)
    for mid in plant.materials:
        ledger = StockLedger()
        for tick, units in sources.stock_events(plant, mid) + surpluses.get(mid, []):
            ledger.add(tick, units)
        ledgers[mid] = ledger
    for s in plan.supplies:
        if s.source == STOCK and (s.order, s.material) in drawing:
            ledgers[s.material].add(drawing[(s.order, s.material)].start, -s.quantity)
    waiting = []
    for s in plan.supplies:
        step = drawing.get((s.order, s.material))
        if step is None:
            continue
        release = plant.orders[s.order].release
        if s.source == STOCK:
            ledger = ledgers[s.material]
            ledger.remove(step.start, -s.quantity)  # ask without this order's own draw
            ready = ledger.earliest_draw(s.quantity, release)
            ledger.add(step.start, -s.quantity)
        else:
            ready = s.arrival
        # A later step is ready when the step before it ends (and its lag): material there by
        # then held nothing.
        before = steps.get((s.order, step.step_index - 1))
        routing = plant.products[plant.orders[s.order].product].routing
        own = release if before is None else before.end + routing[before.step_index].min_lag
        if ready is None or ready <= own:
            continue
        size = step.end - step.start
        fit = next(
            (
                max(a, ready)
                for a, b in plant.availability[step.resource]
                if max(a, ready) + size <= b
            ),
            None,
        )
        if fit == step.start:
            waiting.append(
                Waiting(s.order, s.material, s.source, s.mode, ready, step.start, step.step)
            )
    # A split need lists the part that is there last: the one that held the step.
    last: dict[tuple[str, str], Waiting] = {}
    for w in sorted(waiting, key=lambda w: w.ready):
        last[(w.order, w.material)] = w
    return sorted(last.values(), key=lambda w: (w.start, w.order))
