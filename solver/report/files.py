"""Plans as files: JSON (round-trips through Plan.from_json) and a CSV of scheduled steps."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from solver.data import Plant
from solver.plan import Plan


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


def write_csv(plant: Plant, plan: Plan, path: str | Path) -> None:
    """Write the scheduled steps as CSV."""
    steps_frame(plant, plan).to_csv(path, index=False)


def purchases_frame(plant: Plant, plan: Plan) -> pd.DataFrame:
    """One row per (purchase, pegged order): what to buy, when, and for whom."""
    grid = plant.grid
    needs = {(s.order, s.material): s.quantity for s in plan.supplies}
    rows = []
    for p in sorted(plan.purchases, key=lambda p: (p.order_by, p.supplier, p.material)):
        for order in p.orders:
            rows.append(
                {
                    "order_by": grid.to_datetime(p.order_by),
                    "arrival": grid.to_datetime(p.arrival),
                    "supplier": p.supplier,
                    "material": p.material,
                    "mode": p.mode,
                    "purchase_quantity": p.quantity,
                    "purchase_cost": p.cost,
                    "order": order,
                    "order_quantity": needs[(order, p.material)],
                }
            )
    return pd.DataFrame(rows)


def write_purchases_csv(plant: Plant, plan: Plan, path: str | Path) -> None:
    """Write the purchase list with pegging as CSV (one row per purchase and order)."""
    purchases_frame(plant, plan).to_csv(path, index=False)
