"""The material an order's step waited for: the purchase, or the receipt into stock, that
arrived last after the step was ready. A step waits only for the materials it draws (their
BOM lines name it, or it is the first step and they name none)."""

from __future__ import annotations

from solver.domain.plan import Supply
from solver.explain.causes import MaterialWait
from solver.explain.plan_index import PlanIndex
from solver.supply.sources import STOCK, draw_step


def material_wait(
    index: PlanIndex, order: str, ready: int, start: int, step: int | None = None
) -> MaterialWait | None:
    """What kept an order's step from starting at ``ready`` on the material side.

    Parameters
    ----------
    index : PlanIndex
    order : str
    ready : int
        When the step could start but for its materials (the release or now for the first
        planned step, else the previous step's end and lag).
    start : int
        When the step starts in the plan.
    step : int, optional
        The step's routing index: only the materials it draws count. None: every material
        of the order.

    Returns
    -------
    MaterialWait or None
        The material whose source was there last, if that was after ``ready``: its purchase's
        arrival, or for stock the first moment the stock (on hand and receipts, less every
        other order's draw) covers the order, and the receipt arriving then. None when every
        material was there at ``ready``.
    """
    waits = []
    for supply in index.supplies_of.get(order, ()):
        if step is not None and draw_step(index.plant, order, supply.material) != step:
            continue
        if supply.source == STOCK:
            wait = _stock_wait(index, supply, ready, start)
        else:
            wait = _purchase_wait(supply, ready, start)
        if wait is not None:
            waits.append(wait)
    return max(waits, key=lambda w: (w.arrival, w.material), default=None)


def _purchase_wait(supply: Supply, ready: int, start: int) -> MaterialWait | None:
    if supply.arrival is None or supply.arrival <= ready:
        return None
    return MaterialWait(
        supply.material,
        supply.quantity,
        supply.source,
        supply.mode,
        "",
        supply.source,
        ready,
        min(supply.arrival, start),
        supply.arrival,
    )


def _stock_wait(index: PlanIndex, supply: Supply, ready: int, start: int) -> MaterialWait | None:
    """The receipt that lets the order draw from stock, when it arrives after ``ready``."""
    ledger = index.stock_ledger(supply.material)
    drawn = index.draw_starts.get((supply.order, supply.material))
    # Asked without the order's own draw, as if it came to the stock at ``ready``.
    if drawn is not None:
        ledger.remove(drawn, -supply.quantity)
    try:
        arrival = ledger.earliest_draw(supply.quantity, ready)
    finally:
        if drawn is not None:
            ledger.add(drawn, -supply.quantity)
    if arrival is None or arrival <= ready:
        return None
    material = index.plant.materials[supply.material]
    receipts = sorted(
        (r for r in material.receipts if max(0, r.arrival) == arrival), key=lambda r: r.id
    )
    suppliers = sorted({r.supplier for r in receipts if r.supplier})
    if not receipts:  # a minimum-order surplus arriving with a shipment
        suppliers = sorted(
            {
                p.supplier
                for p in index.plan.purchases
                if p.material == supply.material and max(0, p.arrival) == arrival
            }
        )
    return MaterialWait(
        supply.material,
        supply.quantity,
        STOCK,
        "",
        ", ".join(r.id for r in receipts),
        ", ".join(suppliers),
        ready,
        min(arrival, start),
        arrival,
    )
