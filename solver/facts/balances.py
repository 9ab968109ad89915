"""Projected available balance (PAB) per product and material: plan -> facts.

DOMAIN.md (seed 002): PAB(t) = PAB(t-1) - demand(t) + supply(t). A period whose balance is
below zero cannot cover its demand: supply breaks there unless something changes. For a
product, demand is the quantity of accepted orders due in the period and supply the quantity
the plan completes in it, starting from finished goods on hand. Periods run from the plan
start to the horizon; what falls after the horizon is outside the table. For a material, demand is what
orders draw when the step consuming it starts (``sources.draw_starts``), and supply is
receipts and planned purchases arriving, starting from stock on hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.supply.sources import draw_starts

PERIODS = {"day": 1, "week": 7}


@dataclass(frozen=True)
class Balance:
    """One period of a projected available balance."""

    item: str
    period: int
    start: int
    demand: int
    supply: int
    balance: int

    @property
    def shortfall(self) -> bool:
        return self.balance < 0


def projected_balance(opening: int, demand: Sequence[int], supplied: Sequence[int]) -> list[int]:
    """PAB(t) = PAB(t-1) - demand(t) + supply(t), from PAB(0) = ``opening``."""
    balances, level = [], opening
    for out, into in zip(demand, supplied, strict=True):
        level = level - out + into
        balances.append(level)
    return balances


def period_ticks(plant: Plant, period: str) -> int:
    return PERIODS[period] * plant.grid.ticks_per_day


def _rows(
    plant: Plant,
    item: str,
    opening: int,
    demand: dict[int, int],
    supplied: dict[int, int],
    period: str,
) -> list[Balance]:
    length = period_ticks(plant, period)
    count = -(-plant.horizon // length)
    demand_list = [demand.get(k, 0) for k in range(count)]
    supply_list = [supplied.get(k, 0) for k in range(count)]
    balances = projected_balance(opening, demand_list, supply_list)
    return [
        Balance(item, k + 1, k * length, demand_list[k], supply_list[k], balances[k])
        for k in range(count)
    ]


def _bucket(plant: Plant, tick: int, period: str) -> int | None:
    """Period of a tick; before the plan start counts in the first, after the horizon in none."""
    if tick >= plant.horizon:
        return None
    return max(0, tick) // period_ticks(plant, period)


def _add(counts: dict[int, int], key: int | None, quantity: int) -> None:
    if key is not None:
        counts[key] = counts.get(key, 0) + quantity


def product_balances(plant: Plant, plan: Plan, period: str = "week") -> list[Balance]:
    """PAB of every product with orders or finished goods, period by period."""
    rows = []
    outcomes = {o.order: o for o in plan.outcomes}
    for pid, product in plant.products.items():
        demand: dict[int, int] = {}
        supplied: dict[int, int] = {}
        orders = [o for o in plant.orders.values() if o.product == pid]
        if not orders and not product.stock:
            continue
        for order in orders:
            outcome = outcomes.get(order.id)
            if outcome is None or not outcome.accepted:
                continue
            _add(demand, _bucket(plant, order.due, period), order.quantity)
            if outcome.completion is not None:
                _add(supplied, _bucket(plant, outcome.completion, period), order.quantity)
        rows += _rows(plant, pid, product.stock, demand, supplied, period)
    return rows


def material_balances(plant: Plant, plan: Plan, period: str = "week") -> list[Balance]:
    """PAB of every material: draws when their steps start against stock, receipts and
    purchases."""
    draws = draw_starts(plant, plan)
    rows = []
    for mid, material in plant.materials.items():
        demand: dict[int, int] = {}
        supplied: dict[int, int] = {}
        for s in plan.supplies:
            if s.material == mid and (s.order, mid) in draws:
                _add(demand, _bucket(plant, draws[(s.order, mid)], period), s.quantity)
        for receipt in material.receipts:
            _add(supplied, _bucket(plant, receipt.arrival, period), receipt.quantity)
        for p in plan.purchases:
            if p.material == mid:
                _add(supplied, _bucket(plant, p.arrival, period), p.quantity)
        rows += _rows(plant, mid, material.stock, demand, supplied, period)
    return rows


def shortfalls(plant: Plant, plan: Plan, period: str = "week") -> list[Balance]:
    """Every product and material period whose projected balance is below zero."""
    rows = product_balances(plant, plan, period) + material_balances(plant, plan, period)
    return [row for row in rows if row.shortfall]
