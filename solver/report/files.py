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
