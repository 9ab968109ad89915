"""Greedy material allocation for list scheduling: stock ledgers and supplier capacity.

``dispatch`` asks, order by order, where each material should come from; the answer must be
feasible (stock never negative at any time, supplier capacity per period) because the dispatch
plan is both CP-SAT's complete hint and the fallback plan.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field

from solver.domain.plan import Purchase, Supply
from solver.domain.plant import Plant
from solver.supply import sources
from solver.supply.sources import STOCK, BuyOption


@dataclass
class StockLedger:
    """Time-phased stock of one material: (tick, change) events, sorted by tick."""

    ticks: list[int] = field(default_factory=list)
    changes: list[int] = field(default_factory=list)

    def add(self, tick: int, change: int) -> None:
        k = bisect.bisect_right(self.ticks, tick)
        self.ticks.insert(k, tick)
        self.changes.insert(k, change)

    def remove(self, tick: int, change: int) -> None:
        for k in range(bisect.bisect_left(self.ticks, tick), len(self.ticks)):
            if self.changes[k] == change:
                del self.ticks[k], self.changes[k]
                return
        raise ValueError(f"no event ({tick}, {change}) to remove")

    def earliest_draw(self, quantity: int, ready: int) -> int | None:
        """Earliest tick >= ready at which ``quantity`` can be drawn and stock stays >= 0.

        Drawing at t lowers the level at every time from t on, so the level's minimum over
        [t, end) must cover the draw; that minimum only grows with t.
        """
        levels, level = [], 0
        for change in self.changes:
            level += change
            levels.append(level)
        suffix_min = levels[:]
        for k in range(len(levels) - 2, -1, -1):
            suffix_min[k] = min(levels[k], suffix_min[k + 1])
        first = bisect.bisect_right(self.ticks, ready) - 1  # level in force at `ready`
        if first >= 0 and suffix_min[first] >= quantity:
            return ready
        for k in range(first + 1, len(self.ticks)):
            if suffix_min[k] >= quantity:
                return max(ready, self.ticks[k])
        return None


class SupplyBook:
    """What has been drawn and bought so far while dispatching orders one by one."""

    def __init__(self, plant: Plant):
        self.plant = plant
        self.stock: dict[str, StockLedger] = {}
        for mid in plant.materials:
            ledger = StockLedger()
            for tick, units in sources.stock_events(plant, mid):
                ledger.add(tick, units)
            self.stock[mid] = ledger
        self.finished = {pid: p.stock for pid, p in plant.products.items()}
        self.shipments: dict[tuple[str, str, str, int], int] = defaultdict(int)
        self.supplies: list[Supply] = []

    def bought_in(self, supplier: str, material: str, period: int) -> int:
        """Units bought from a supplier for a material in one period, minimum orders included."""
        offer = sources.offer_for(self.plant, supplier, material)
        return sum(
            max(units, offer.min_order)
            for (sid, mid, _, p), units in self.shipments.items()
            if sid == supplier and mid == material and p == period and units
        )

    def fits(self, option: BuyOption, material: str, quantity: int) -> bool:
        offer = sources.offer_for(self.plant, option.supplier, material)
        if offer.capacity is None:
            return True
        key = (option.supplier, material, option.mode.name, option.period)
        current = self.shipments.get(key, 0)
        extra = max(current + quantity, offer.min_order) - (
            max(current, offer.min_order) if current else 0
        )
        return self.bought_in(option.supplier, material, option.period) + extra <= offer.capacity

    def choose(self, order_id: str, target: int) -> dict[str, tuple[str, object, int]] | None:
        """For each material: (``stock`` or ``buy``, the option, arrival), or None if impossible.

        Among the sources that arrive by ``target`` (the latest start that keeps the order on
        time) the cheapest wins, stock first; if none does, the earliest wins.
        """
        order = self.plant.orders[order_id]
        choices: dict[str, tuple[str, object, int]] = {}
        for material, quantity in sources.requirements(self.plant, order_id).items():
            candidates: list[tuple[int, float, str, object]] = []
            drawn = self.stock[material].earliest_draw(quantity, order.release)
            if drawn is not None:
                candidates.append((drawn, 0.0, STOCK, None))
            for option in sources.buy_options(self.plant, material, self.plant.horizon):
                if self.fits(option, material, quantity):
                    price = self._unit_cost(option, material, quantity)
                    candidates.append((option.arrival, price, "buy", option))
            if not candidates:
                return None
            in_time = [c for c in candidates if c[0] <= max(target, order.release)]
            best = (
                min(in_time, key=lambda c: (c[1], c[0]))
                if in_time
                else min(candidates, key=lambda c: (c[0], c[1]))
            )
            choices[material] = (best[2], best[3], best[0])
        return choices

    def _unit_cost(self, option: BuyOption, material: str, quantity: int) -> float:
        offer = sources.offer_for(self.plant, option.supplier, material)
        mode = option.mode
        reliability = self.plant.suppliers[option.supplier].reliability
        risk = 1 / reliability - 1 if self.plant.settings.supplier_risk == "premium" else 0.0
        return offer.price * (1 + risk) + mode.cost_per_unit + mode.cost_per_shipment / quantity

    def commit(self, order_id: str, choices: dict, start: int) -> None:
        """Record the order's draws (at its first step's start) and purchases."""
        for material, (kind, option, arrival) in choices.items():
            quantity = sources.requirements(self.plant, order_id)[material]
            if kind == STOCK:
                self.stock[material].add(start, -quantity)
                self.supplies.append(Supply(order_id, material, quantity, STOCK))
                continue
            key = (option.supplier, material, option.mode.name, option.period)
            self.shipments[key] += quantity
            self.supplies.append(
                Supply(order_id, material, quantity, option.supplier, option.mode.name, arrival)
            )

    def take_finished(self, order_id: str) -> bool:
        """Serve the order from finished-goods stock if enough is left."""
        order = self.plant.orders[order_id]
        if not sources.may_ship_from_stock(self.plant, order_id):
            return False
        if self.finished[order.product] < order.quantity:
            return False
        self.finished[order.product] -= order.quantity
        return True


def build_purchases(plant: Plant, supplies: list[Supply] | tuple[Supply, ...]) -> list[Purchase]:
    """Group bought supplies into shipments (supplier, material, mode, arrival) with pegging."""
    groups: dict[tuple[str, str, str, int], list[Supply]] = defaultdict(list)
    for s in supplies:
        if s.source != STOCK:
            groups[(s.source, s.material, s.mode, s.arrival)].append(s)
    purchases = []
    for (sid, mid, mode_name, arrival), members in sorted(groups.items(), key=lambda g: g[0][3]):
        offer = sources.offer_for(plant, sid, mid)
        mode = sources.mode_named(offer, mode_name)
        needed = sum(s.quantity for s in members)
        quantity = max(needed, offer.min_order)
        cost = quantity * (offer.price + mode.cost_per_unit) + mode.cost_per_shipment
        lead = sources.effective_lead(plant, plant.suppliers[sid], mode)
        purchases.append(
            Purchase(
                sid,
                mid,
                mode_name,
                quantity,
                arrival,
                arrival - lead,
                round(cost, 2),
                tuple(s.order for s in members),
            )
        )
    return purchases
