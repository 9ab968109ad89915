"""Money in the objective, as exact integers (shared by the solver and the KPIs).

One currency unit is ``units_per_currency`` = 100 x ticks per day objective units, so that a
day late at ``tardiness_cost_per_day`` and a margin in cents are both whole numbers: a tick late
costs ``weight x round(100 x cost_per_day)`` units, and a declined order costs
``round(100 x margin) x ticks_per_day`` units (its lost margin; negative if it loses money).
"""

from __future__ import annotations

from solver.domain.plant import Plant
from solver.rules.ranking import order_margin


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


def money_units(plant: Plant, amount: float) -> int:
    """An amount of money in objective units, rounded to the cent."""
    return round(100 * amount) * plant.grid.ticks_per_day


def purchase_cost(plant: Plant, price: float, quantity: int) -> int:
    """Objective units paid for ``quantity`` units at ``price``."""
    return money_units(plant, price * quantity)


def risk_premium(plant: Plant, reliability: float, price: float, quantity: int) -> int:
    """Risk charge of buying from an unreliable supplier (``supplier_risk: premium`` only).

    ``price x (1/r - 1)`` per unit: what the late share of deliveries adds, per unit delivered.
    """
    if plant.settings.supplier_risk != "premium" or reliability >= 1:
        return 0
    return money_units(plant, price * quantity * (1 / reliability - 1))


def holding_per_tick(plant: Plant, value: float, quantity: int) -> int:
    """Objective units per tick of holding ``quantity`` units worth ``value`` each.

    ``holding_rate`` is yearly; one day of one currency unit held costs rate / 365, and an
    objective unit is 1 / (100 x ticks per day) of money, so per tick this is
    100 x value x quantity x rate / 365 units, rounded per batch.
    """
    return round(100 * value * quantity * plant.settings.holding_rate / 365)


def surplus_holding_per_tick(plant: Plant, value: float, units: int) -> int:
    """Objective units per tick of holding a minimum-order surplus of ``units`` units worth
    ``value`` each: ``holding_per_tick`` of the batch, computed as units x a thousandth-unit
    rate, rounded half up. The surplus is a variable in CP-SAT, where this is one division
    (``holding_per_tick``'s float rounding would need a table with an entry per unit)."""
    return (units * surplus_holding_rate(plant, value) + 500) // 1000


def surplus_holding_rate(plant: Plant, value: float) -> int:
    """Thousandths of an objective unit per tick of holding one unit worth ``value``."""
    return round(100_000 * value * plant.settings.holding_rate / 365)


def shift_cost_per_tick(plant: Plant) -> int:
    """Objective units per tick a baseline step moves (stability_cost_per_day per day)."""
    return round(100 * plant.settings.stability_cost_per_day)


def resource_change_cost(plant: Plant) -> int:
    """Objective units per baseline step moved to another resource."""
    return money_units(plant, plant.settings.resource_change_cost)


def changeover_cost_per_tick(plant: Plant) -> int:
    """Objective units per tick of changeover (``changeover_cost_per_hour``).

    A tick is 24 / ticks-per-day hours and a currency unit 100 x ticks-per-day objective
    units, so a tick of changeover costs 2400 x the hourly cost, whatever the grid.
    """
    return round(2400 * plant.settings.changeover_cost_per_hour)
