"""Two plans side by side: which orders changed (completion, resources, purchases) and the KPIs.

Plans may sit on different time grids (yesterday's released plan, tonight's candidate), so
moments are compared as dates and times, never as ticks.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime

from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.facts.kpis import Kpis, compute_kpis

ADDED, REMOVED, CHANGED = "added", "removed", "changed"


@dataclass(frozen=True)
class OrderDiff:
    """One order that differs between plan A and plan B (None: not made / not in that plan)."""

    order: str
    change: str  # added, removed or changed
    completion_a: datetime | None
    completion_b: datetime | None
    late_a: bool
    late_b: bool
    resources_a: tuple[str, ...]
    resources_b: tuple[str, ...]
    purchases_a: tuple[str, ...]
    purchases_b: tuple[str, ...]
    what: tuple[str, ...]  # completion, resources, purchases, accepted

    @property
    def later_by_hours(self) -> float | None:
        if self.completion_a is None or self.completion_b is None:
            return None
        return (self.completion_b - self.completion_a).total_seconds() / 3600


@dataclass
class PlanDiff:
    a: str
    b: str
    orders: list[OrderDiff] = field(default_factory=list)
    kpis_a: Kpis | None = None
    kpis_b: Kpis | None = None

    def rows(self) -> list[dict]:
        """One flat record per changed order (for CSV and JSON)."""
        out = []
        for d in self.orders:
            row = dataclasses.asdict(d)
            for key in ("completion_a", "completion_b"):
                row[key] = None if row[key] is None else row[key].isoformat()
            for key in ("resources_a", "resources_b", "purchases_a", "purchases_b", "what"):
                row[key] = " ".join(row[key])
            row["later_by_hours"] = d.later_by_hours
            out.append(row)
        return out

    def kpi_rows(self) -> list[dict]:
        """KPIs side by side: name, A, B (scalars only)."""
        if self.kpis_a is None or self.kpis_b is None:
            return []
        a, b = dataclasses.asdict(self.kpis_a), dataclasses.asdict(self.kpis_b)
        return [
            {"kpi": key, "a": a[key], "b": b[key]}
            for key in a
            if isinstance(a[key], int | float) or a[key] is None
        ]


def plan_diff(
    plant_a: Plant, plan_a: Plan, plant_b: Plant, plan_b: Plan, a: str = "A", b: str = "B"
) -> PlanDiff:
    """The orders whose completion, resources or purchases differ, and both plans' KPIs.

    Parameters
    ----------
    plant_a, plan_a : Plant, Plan
        The first plan and the plant (book) it was made for.
    plant_b, plan_b : Plant, Plan
        The second.
    a, b : str
        Names of the two plans in reports.

    Returns
    -------
    PlanDiff
    """
    view_a, view_b = _orders(plan_a), _orders(plan_b)
    result = PlanDiff(
        a, b, kpis_a=compute_kpis(plant_a, plan_a), kpis_b=compute_kpis(plant_b, plan_b)
    )
    for order in sorted(view_a.keys() | view_b.keys()):
        one, two = view_a.get(order), view_b.get(order)
        if one is None:
            change, what = ADDED, ("accepted",)
        elif two is None:
            change, what = REMOVED, ("accepted",)
        else:
            # Steps done since plan A are missing from plan B: compare the steps in both.
            common = one[2].keys() & two[2].keys()
            moved = any(one[2][i] != two[2][i] for i in common)
            what = tuple(
                name
                for name, differs in (
                    ("completion", one[0] != two[0]),
                    ("resources", moved),
                    ("purchases", one[3] != two[3]),
                    ("accepted", one[4] != two[4]),
                )
                if differs
            )
            if not what:
                continue
            change = CHANGED
        empty: tuple = (None, False, {}, (), False)
        one, two = one or empty, two or empty
        result.orders.append(
            OrderDiff(
                order,
                change,
                one[0],
                two[0],
                one[1],
                two[1],
                tuple(one[2][i] for i in sorted(one[2])),
                tuple(two[2][i] for i in sorted(two[2])),
                one[3],
                two[3],
                what,
            )
        )
    return result


def _orders(plan: Plan) -> dict[str, tuple]:
    """order -> (completion, late, step index -> resource, purchases, accepted)."""
    grid = plan.grid
    resources: dict[str, dict[int, str]] = {}
    for step in plan.steps:
        resources.setdefault(step.order, {})[step.step_index] = step.resource
    bought: dict[str, list[str]] = {}
    for s in plan.supplies:
        arrival = "" if s.arrival is None else grid.to_datetime(s.arrival).isoformat()
        # The quantity too: a split need's parts can move (60 + 20 to 50 + 30) at one arrival.
        bought.setdefault(s.order, []).append(
            f"{s.material}:{s.quantity}:{s.source}:{s.mode}:{arrival}"
        )
    out = {}
    for o in plan.outcomes:
        done = None if o.completion is None else grid.to_datetime(o.completion)
        out[o.order] = (
            done,
            o.tardiness > 0,
            resources.get(o.order, {}),
            tuple(sorted(bought.get(o.order, []))),
            o.accepted,
        )
    return out
