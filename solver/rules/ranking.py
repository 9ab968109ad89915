"""Priority score per order from urgency, customer tier and margin.

For order *o* with remaining work *w* (the shortest path through its routing: fastest option
per step plus lags), release *r*, due *d*, and ``now``::

    slack(o)   = d - max(now, r) - w
    urgency(o) = clip(1 - slack(o) / urgency_window, 0, 1)      1 = no slack left
    tier(o)    = settings.tiers[customer tier]                   A = 1.0, B = 0.6, C = 0.3
    margin(o)  = clip(quantity * (price - unit_cost) / largest margin in the book, 0, 1)
    score(o)   = (w_u * urgency + w_t * tier + w_m * margin) / (w_u + w_t + w_m)
    weight(o)  = 1 + round(score(o) * (max_weight - 1))

The weight multiplies the order's tardiness in the objective. An order whose priority a
planner has set (``Order.priority``) keeps that weight.
"""

from __future__ import annotations

from dataclasses import dataclass

from solver.domain.plant import Order, Plant


@dataclass(frozen=True)
class Rank:
    """An order's place in the ranking, with the three components and the resulting weight."""

    order: str
    position: int
    urgency: float
    tier: float
    margin: float
    score: float
    weight: int
    slack: int
    margin_value: float


def order_margin(plant: Plant, order: Order) -> float:
    """Money the order earns: quantity x (unit price - product unit cost)."""
    return order.quantity * (order.price - plant.products[order.product].unit_cost)


def remaining_work(plant: Plant, order_id: str) -> int:
    """Ticks of the shortest path through the order's remaining steps, lags included."""
    steps = plant.remaining_steps(order_id)
    work = sum(min(plant.duration(order_id, o) for o in step.options) for _, step in steps)
    return work + sum(step.min_lag for _, step in steps[:-1])


def rank_orders(plant: Plant, now: int = 0) -> list[Rank]:
    """Rank every order of the plant, highest priority first.

    Parameters
    ----------
    plant : Plant
    now : int
        Tick from which slack is measured (the plan start by default).

    Returns
    -------
    list of Rank
        Sorted by score, then due date, then id (a stable, total order).
    """
    settings = plant.settings
    weights = settings.ranking
    window = plant.grid.duration_ticks(settings.urgency_window.total_seconds())
    margins = {oid: order_margin(plant, o) for oid, o in plant.orders.items()}
    top_margin = max([m for m in margins.values() if m > 0], default=1.0)
    total_weight = weights.urgency + weights.tier + weights.margin
    rows = []
    for oid, order in plant.orders.items():
        slack = order.due - max(now, order.release) - remaining_work(plant, oid)
        urgency = min(1.0, max(0.0, 1.0 - slack / window))
        tier = settings.tiers[plant.customers[order.customer].tier]
        margin = min(1.0, max(0.0, margins[oid] / top_margin))
        score = weights.urgency * urgency + weights.tier * tier + weights.margin * margin
        score /= total_weight
        weight = 1 + round(score * (settings.max_weight - 1))
        if order.priority is not None:  # set by a planner (a what-if change)
            weight = order.priority
        rows.append((oid, urgency, tier, margin, score, weight, slack, margins[oid]))
    rows.sort(key=lambda r: (-r[4], plant.orders[r[0]].due, r[0]))
    return [Rank(r[0], i + 1, *r[1:]) for i, r in enumerate(rows)]


def tardiness_weights(plant: Plant, now: int = 0) -> dict[str, int]:
    """Order id -> integer tardiness weight from the ranking."""
    return {r.order: r.weight for r in rank_orders(plant, now)}
