"""Plans as files: JSON (round-trips through Plan.from_json), a CSV of scheduled steps, one of
orders (promised dates, planned completion, lateness: for an ERP), the purchase list (one row
per shipment) and its pegging (one row per shipment and order).

Every writer replaces its target atomically (``solver.report.output``); ``-`` is standard
output; with a ``batch`` the file is moved into place when the batch ends.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pandas as pd

from solver.domain.plan import Plan, Purchase, Supply
from solver.domain.plant import Plant
from solver.report.output import Batch, Target, open_output, write_text
from solver.supply.sources import draw_starts

Destination = Target | str | Path


def write_json(data: object, path: Destination, batch: Batch | None = None) -> None:
    """Write ``data`` as indented JSON (the layout of ``Plan.to_json``)."""
    write_text(path, json.dumps(data, indent=1) + "\n", batch)


def write_plan_json(
    plan: Plan,
    path: Destination,
    batch: Batch | None = None,
    why_late: list[dict] | None = None,
) -> None:
    """Write a plan as JSON, the input of ``replan check`` and ``Plan.from_json``.

    Parameters
    ----------
    plan : Plan
    path : Target, str or Path
        ``-`` for standard output.
    batch : Batch, optional
        Move the file into place when the batch ends.
    why_late : list of dict, optional
        Explanations of the late orders (``report.explain.why_late_dicts``), written under
        ``why_late``; reading the file ignores them.
    """
    write_json(plan.to_dict(why_late), path, batch)


def _write_frame(frame: pd.DataFrame, path: Destination, batch: Batch | None) -> None:
    with open_output(path, newline="", batch=batch) as handle:
        frame.to_csv(handle, index=False)


def steps_frame(plant: Plant, plan: Plan) -> pd.DataFrame:
    """One row per scheduled step with datetimes, customer and due date."""
    grid = plant.grid
    rows = []
    for s in sorted(plan.steps, key=lambda s: (s.resource, s.start)):
        order = plant.orders[s.order]
        rows.append(
            {
                "resource": s.resource,
                "start": grid.to_datetime(s.start),
                "end": grid.to_datetime(s.end),
                "order": s.order,
                "step": s.step,
                "customer": order.customer,
                "product": order.product,
                "quantity": order.quantity,
                "due": grid.to_datetime(order.due),
                "pinned": s.pinned,
            }
        )
    return pd.DataFrame(rows)


def write_csv(plant: Plant, plan: Plan, path: Destination, batch: Batch | None = None) -> None:
    """Write the scheduled steps as CSV."""
    _write_frame(steps_frame(plant, plan), path, batch)


def end_day(moment: datetime) -> date:
    """The calendar day a moment that ends something falls on: midnight ends the day before.

    A due date given as a bare date (``2026-11-26``) is loaded as the end of that day, which
    is the midnight that starts the next (``2026-11-27 00:00``); this gives ``2026-11-26`` back.
    """
    return (moment - timedelta(microseconds=1)).date() if moment.time() == time() else moment.date()


ORDER_COLUMNS = (
    "order",
    "customer",
    "product",
    "quantity",
    "channel",
    "order_status",
    "due",
    "promised",
    "planned_completion",
    "late_by_days",
    "status",
)


def orders_frame(plant: Plant, plan: Plan) -> pd.DataFrame:
    """One row per order of the book: what the customer asked and what the plan promises.

    ``due`` holds dates when every order is due at the end of a day (bare dates in the input,
    the usual case): the day itself, not the midnight after it; when some order is due at a
    time of day, the column holds the exact moments instead (datetimes), so that it parses as
    one type. ``promised`` is the day the order can be promised (the due day when on time, else
    the day it completes); ``planned_completion`` is a datetime (empty when declined or served
    from stock); ``late_by_days`` is the lateness in days (0 when on time); ``status`` is
    ``accepted``, ``declined`` or ``from stock``; ``order_status`` is the order's own (firm,
    proposed, forecast).
    """
    grid = plant.grid
    outcomes = {o.order: o for o in plan.outcomes}
    dues = [grid.to_datetime(o.due) for o in plant.orders.values()]
    dates_only = all(moment.time() == time() for moment in dues)
    rows = []
    for oid, order in plant.orders.items():
        outcome = outcomes.get(oid)
        due = grid.to_datetime(order.due)
        completion = None
        if outcome is None:
            status = "not planned"
        elif not outcome.accepted:
            status = "declined"
        elif outcome.from_stock:
            status = "from stock"
        else:
            status = "accepted"
            if outcome.completion is not None:
                completion = grid.to_datetime(outcome.completion)
        late = max(timedelta(0), completion - due) if completion is not None else timedelta(0)
        if status in ("declined", "not planned"):
            promised = None
        elif completion is not None and completion > due:
            promised = end_day(completion)
        else:
            promised = end_day(due)
        rows.append(
            {
                "order": oid,
                "customer": order.customer,
                "product": order.product,
                "quantity": order.quantity,
                "channel": order.channel,
                "order_status": order.status,
                "due": end_day(due) if dates_only else due,
                "promised": promised,
                "planned_completion": completion,
                "late_by_days": round(late / timedelta(days=1), 3),
                "status": status,
            }
        )
    return pd.DataFrame(rows, columns=list(ORDER_COLUMNS))


def write_orders_csv(
    plant: Plant, plan: Plan, path: Destination, batch: Batch | None = None
) -> None:
    """Write one row per order (``orders_frame``) as CSV, for an ERP or a spreadsheet.

    Parameters
    ----------
    plant : Plant
        The plant the plan was made for (its order book).
    plan : Plan
        The plan.
    path : Target, str or Path
        Where to write; ``-`` for standard output.
    batch : Batch, optional
        Moves the file into place when the batch ends.
    """
    _write_frame(orders_frame(plant, plan), path, batch)


PURCHASE_COLUMNS = (
    "shipment",
    "order_by",
    "arrival",
    "supplier",
    "material",
    "mode",
    "quantity",
    "needed",
    "surplus",
    "cost",
    "orders",
)
PEGGING_COLUMNS = (
    "shipment",
    "supplier",
    "material",
    "mode",
    "arrival",
    "order",
    "quantity",
    "needed_by",
)


def _shipments(plan: Plan) -> list[tuple[str, Purchase]]:
    """Purchases in buying order, each with its id in the purchase and pegging tables."""
    ordered = sorted(
        plan.purchases, key=lambda p: (p.order_by, p.supplier, p.material, p.mode, p.arrival)
    )
    width = max(3, len(str(len(ordered))))
    return [(f"S{k:0{width}d}", p) for k, p in enumerate(ordered, start=1)]


def _pegged(plan: Plan, purchase: Purchase) -> list[Supply]:
    """The orders' supplies a shipment carries (what ``Purchase.needed`` sums)."""
    return [
        s
        for s in plan.supplies
        if s.source == purchase.supplier
        and s.material == purchase.material
        and s.mode == purchase.mode
        and s.arrival == purchase.arrival
    ]


def purchases_frame(plant: Plant, plan: Plan) -> pd.DataFrame:
    """One row per shipment to buy: when to order it, when it arrives, how much and what for.

    ``quantity`` is what is bought; ``needed`` what the pegged orders use (their rows in
    ``pegging_frame`` sum to it); ``surplus`` the rest (topped up to a minimum order: into
    stock for later orders with ``surplus_to_stock``, else unused); ``cost``
    money for the shipment; ``orders`` the pegged orders, separated by spaces.
    """
    grid = plant.grid
    rows = []
    for shipment, p in _shipments(plan):
        needed = p.needed(plan.supplies)
        rows.append(
            {
                "shipment": shipment,
                "order_by": grid.to_datetime(p.order_by),
                "arrival": grid.to_datetime(p.arrival),
                "supplier": p.supplier,
                "material": p.material,
                "mode": p.mode,
                "quantity": p.quantity,
                "needed": needed,
                "surplus": p.quantity - needed,
                "cost": round(p.cost, 2),
                "orders": " ".join(p.orders),
            }
        )
    return pd.DataFrame(rows, columns=list(PURCHASE_COLUMNS))


def pegging_frame(plant: Plant, plan: Plan) -> pd.DataFrame:
    """One row per (shipment, order): the units of a shipment each order uses, and when the
    order needs them (the start of the step that draws the material)."""
    grid = plant.grid
    draws = draw_starts(plant, plan)
    rows = []
    for shipment, p in _shipments(plan):
        pegged = _pegged(plan, p)
        for s in sorted(pegged, key=lambda s: (draws.get((s.order, s.material), 0), s.order)):
            start = draws.get((s.order, s.material))
            rows.append(
                {
                    "shipment": shipment,
                    "supplier": p.supplier,
                    "material": p.material,
                    "mode": p.mode,
                    "arrival": grid.to_datetime(p.arrival),
                    "order": s.order,
                    "quantity": s.quantity,
                    "needed_by": None if start is None else grid.to_datetime(start),
                }
            )
    return pd.DataFrame(rows, columns=list(PEGGING_COLUMNS))


def write_purchases_csv(
    plant: Plant, plan: Plan, path: Destination, batch: Batch | None = None
) -> None:
    """Write the purchase list as CSV, one row per shipment (``purchases_frame``).

    Parameters
    ----------
    plant : Plant
        The plant the plan was made for.
    plan : Plan
        The plan and its purchases.
    path : Target, str or Path
        Where to write; ``-`` for standard output.
    batch : Batch, optional
        Moves the file into place when the batch ends.
    """
    _write_frame(purchases_frame(plant, plan), path, batch)


def write_pegging_csv(
    plant: Plant, plan: Plan, path: Destination, batch: Batch | None = None
) -> None:
    """Write the pegging of the purchase list as CSV, one row per shipment and order
    (``pegging_frame``); its quantities per shipment sum to the purchase list's ``needed``.

    Parameters
    ----------
    plant : Plant
        The plant the plan was made for.
    plan : Plan
        The plan, its supplies and purchases.
    path : Target, str or Path
        Where to write; ``-`` for standard output.
    batch : Batch, optional
        Moves the file into place when the batch ends.
    """
    _write_frame(pegging_frame(plant, plan), path, batch)
