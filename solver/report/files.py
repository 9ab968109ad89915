"""Plans as files: JSON (round-trips through Plan.from_json) and a CSV of scheduled steps.

Every writer replaces its target atomically (``solver.report.output``); ``-`` is standard
output; with a ``batch`` the file is moved into place when the batch ends.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.report.output import Batch, Target, open_output, write_text

Destination = Target | str | Path


def write_json(data: object, path: Destination, batch: Batch | None = None) -> None:
    """Write ``data`` as indented JSON (the layout of ``Plan.to_json``)."""
    write_text(path, json.dumps(data, indent=1) + "\n", batch)


def write_plan_json(plan: Plan, path: Destination, batch: Batch | None = None) -> None:
    """Write a plan as JSON, the input of ``replan check`` and ``Plan.from_json``."""
    write_json(plan.to_dict(), path, batch)


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


def write_purchases_csv(
    plant: Plant, plan: Plan, path: Destination, batch: Batch | None = None
) -> None:
    """Write the purchase list with pegging as CSV (one row per purchase and order)."""
    _write_frame(purchases_frame(plant, plan), path, batch)
