"""Money in the objective, as exact integers (shared by the solver and the KPIs).

One currency unit is ``units_per_currency`` = 100 x ticks per day objective units, so that a
day late at ``tardiness_cost_per_day`` and a margin in cents are both whole numbers: a tick late
costs ``weight x round(100 x cost_per_day)`` units, and a declined order costs
``round(100 x margin) x ticks_per_day`` units (its lost margin; negative if it loses money).
"""

from __future__ import annotations

from solver.data import Plant
from solver.ranking import order_margin


def units_per_currency(plant: Plant) -> int:
    """Objective units in one unit of money."""
    return 100 * plant.grid.ticks_per_day


def tardiness_coefficient(plant: Plant, weight: int) -> int:
    """Objective units per tick late for an order of the given weight."""
    return weight * round(100 * plant.settings.tardiness_cost_per_day)


def decline_cost(plant: Plant, order_id: str) -> int:
    """Objective units lost by declining an order."""
    margin = order_margin(plant, plant.orders[order_id])
    return round(100 * margin) * plant.grid.ticks_per_day
