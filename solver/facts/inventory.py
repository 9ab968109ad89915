"""Inventory days of materials and finished goods (seed 003), from a plant and a plan alone.

Seed 003 asks for inventory turnover days within +/-20 % of a benchmark. For
one item over a window ``[0, end]`` of the plan:

    average stock   = integral of the stock level over [0, end) / window length
    average use     = units used in [0, end] / window length in days
    inventory days  = average stock / average daily use
                    = stock held (unit-days) / units used

When nothing is used in the window the days are ``None`` (not infinity).

The stock level follows the same events as the projected available balance
(``solver.facts.balances``):

- **material**: on hand at the plan start and open receipts (``sources.stock_events``), plus
  planned purchases at their arrival, less every order's draw (stock or bought) when the step
  consuming it starts. Purchased material waiting for its order is stock held (the objective's
  holding term charges it, and a minimum-order surplus from its arrival). Use is the draws.
- **finished goods of a product**: on hand at the plan start; an order shipped from it leaves at
  its due date; a made order enters at its completion and leaves when it ships, at
  ``max(completion, due)`` (a customer takes no delivery before the due date). Use is every
  shipment of an accepted order of the product, made or from stock.

The window ends at the plan's last event: the latest of the last step's completion and the
last shipment, at most the horizon (the horizon itself when the plan holds nothing). A window
to the horizon would count the empty end of a rolling order book as slow use; a window to the
last completion alone would drop the shipments of orders finished early while counting the
stock they held.

An item is flagged ``above`` or ``below`` when its days fall outside
``target x (1 +/- tolerance)`` (the ``inventory_days_*`` settings), and ``above`` when it holds
stock but nothing is used (its days are unbounded). Without a target nothing is flagged.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from solver.domain.plan import OrderOutcome, Plan
from solver.domain.plant import Plant
from solver.domain.settings import Settings
from solver.supply import sources
from solver.supply.allocation import StockLedger

MATERIAL = "material"
PRODUCT = "product"
ABOVE = "above"
BELOW = "below"


@dataclass(frozen=True)
class InventoryDays:
    """Inventory days of one item over the window, and how they compare with its target.

    Attributes
    ----------
    item : str
        Material or product id.
    kind : str
        ``material`` or ``product`` (its finished goods).
    average_stock : float
        Time-weighted average units held over the window.
    daily_use : float
        Units used per day over the window.
    days : float or None
        ``average_stock / daily_use``; None when nothing is used.
    target : float or None
        The item's target in days (None: no target set).
    flag : str or None
        ``above`` or ``below`` when outside ``target x (1 +/- tolerance)``; None otherwise.
    """

    item: str
    kind: str
    average_stock: float
    daily_use: float
    days: float | None
    target: float | None
    flag: str | None


def material_ledger(
    plant: Plant, plan: Plan, material: str, draws: dict[tuple[str, str], int] | None = None
) -> StockLedger:
    """A material's stock events: on hand, receipts, purchases in, draws out when the steps
    consuming them start.

    ``draws`` (``sources.draw_starts(plant, plan)``) may be given by a caller that asks for
    many materials.
    """
    ledger = StockLedger()
    for tick, units in sources.stock_events(plant, material):
        ledger.add(tick, units)
    for p in plan.purchases:
        if p.material == material:
            ledger.add(max(0, p.arrival), p.quantity)
    draws = sources.draw_starts(plant, plan) if draws is None else draws
    for s in plan.supplies:
        drawn_at = draws.get((s.order, s.material))
        if s.material == material and drawn_at is not None:
            ledger.add(max(0, drawn_at), -s.quantity)
    return ledger


def shipment(plant: Plant, outcome: OrderOutcome) -> int | None:
    """Tick an accepted order leaves finished goods: its due date, or completion when late."""
    if not outcome.accepted or outcome.order not in plant.orders:
        return None
    due = max(0, plant.orders[outcome.order].due)
    if outcome.from_stock:
        return due
    if outcome.completion is None:
        return None
    return max(due, outcome.completion)


def finished_goods_ledger(
    plant: Plant, plan: Plan, product: str, outcomes: list[OrderOutcome] | None = None
) -> StockLedger:
    """A product's finished goods: on hand, made orders in at completion, shipments out.

    ``outcomes`` (the plan's, or only the product's) may be given by a caller that asks for
    many products.
    """
    ledger = StockLedger()
    if plant.products[product].stock:
        ledger.add(0, plant.products[product].stock)
    for o in plan.outcomes if outcomes is None else outcomes:
        ship = shipment(plant, o)
        if ship is None or plant.orders[o.order].product != product:
            continue
        quantity = plant.orders[o.order].quantity
        if not o.from_stock:
            ledger.add(max(0, o.completion), quantity)
        ledger.add(ship, -quantity)
    return ledger


def window_end(plant: Plant, plan: Plan) -> int:
    """End of the inventory window: the last completion or shipment, at most the horizon."""
    last = max((s.end for s in plan.steps), default=0)
    for o in plan.outcomes:
        ship = shipment(plant, o)
        if ship is not None:
            last = max(last, ship)
    last = min(last, plant.horizon)
    return last if last > 0 else plant.horizon


def held_and_used(ledger: StockLedger, end: int) -> tuple[int, int]:
    """Stock held over ``[0, end)`` (unit-ticks) and units taken out in ``[0, end]``."""
    held = used = level = 0
    previous = 0
    for tick, change in zip(ledger.ticks, ledger.changes, strict=True):
        moment = min(max(tick, 0), end)
        held += level * (moment - previous)
        previous = moment
        level += change
        if change < 0 and tick <= end:
            used -= change
    held += level * (end - previous)
    return held, used


def target_for(settings: Settings, item: str) -> float | None:
    """An item's target in days: its own, else the plant-wide one, else None."""
    return settings.inventory_days_targets.get(item, settings.inventory_days_target)


def flag_for(days: float | None, held: float, target: float | None, tolerance: float) -> str | None:
    """``above``, ``below`` or None: days against ``target x (1 +/- tolerance)``.

    Stock held with no use is ``above`` any target; no stock and no use is not flagged.
    """
    if target is None:
        return None
    if days is None:
        return ABOVE if held > 0 else None
    if days > target * (1 + tolerance):
        return ABOVE
    if days < target * (1 - tolerance):
        return BELOW
    return None


def item_days(plant: Plant, item: str, kind: str, ledger: StockLedger, end: int) -> InventoryDays:
    """Average stock, daily use, days and flag of one item over ``[0, end]``."""
    per_day = plant.grid.ticks_per_day
    held, used = held_and_used(ledger, end)
    days = held / (used * per_day) if used else None
    target = target_for(plant.settings, item)
    return InventoryDays(
        item=item,
        kind=kind,
        average_stock=held / end,
        daily_use=used * per_day / end,
        days=days,
        target=target,
        flag=flag_for(days, held, target, plant.settings.inventory_days_tolerance),
    )


def inventory_days(plant: Plant, plan: Plan) -> list[InventoryDays]:
    """Inventory days of every material, then every product with finished goods or orders.

    Parameters
    ----------
    plant : Plant
    plan : Plan

    Returns
    -------
    list[InventoryDays]
        Materials in the plant's order, then products that hold finished goods or have an
        accepted order (made orders pass through finished goods until they ship).
    """
    end = window_end(plant, plan)
    draws = sources.draw_starts(plant, plan)
    rows = [
        item_days(plant, mid, MATERIAL, material_ledger(plant, plan, mid, draws), end)
        for mid in plant.materials
    ]
    accepted: dict[str, list[OrderOutcome]] = defaultdict(list)
    for o in plan.outcomes:
        if o.accepted and o.order in plant.orders:
            accepted[plant.orders[o.order].product].append(o)
    for pid, product in plant.products.items():
        if product.stock or pid in accepted:
            ledger = finished_goods_ledger(plant, plan, pid, accepted.get(pid, []))
            rows.append(item_days(plant, pid, PRODUCT, ledger, end))
    return rows
