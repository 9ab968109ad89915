"""Supplier actions a what-if needs: the net change to purchases, per supplier, material,
shipping mode and week of arrival, so that moving a shipment inside its week is no action and
a planner reads one line per thing to do."""

from __future__ import annotations

from collections import defaultdict

from solver.domain.plan import Plan, Purchase
from solver.domain.timegrid import TimeGrid
from solver.whatif.outcome import SupplierAction

Key = tuple[str, str, str, str]  # supplier, material, mode, ISO week


def week_of(grid: TimeGrid, tick: int) -> str:
    """``2026-W48``: the ISO week a tick falls in."""
    year, week, _ = grid.to_datetime(tick).isocalendar()
    return f"{year}-W{week:02d}"


def _grouped(grid: TimeGrid, purchases: tuple[Purchase, ...]) -> dict[Key, list[Purchase]]:
    groups: dict[Key, list[Purchase]] = defaultdict(list)
    for p in purchases:
        groups[(p.supplier, p.material, p.mode, week_of(grid, p.arrival))].append(p)
    return groups


def supplier_actions(grid: TimeGrid, baseline: Plan, plan: Plan) -> list[SupplierAction]:
    """Net changes from the baseline's purchases to the proposal's.

    A key only the proposal has is ``buy`` (``expedite`` when its mode is not standard); only
    the baseline has it, ``cancel``; both, ``buy more`` or ``buy less`` by the difference.
    """
    before = _grouped(grid, baseline.purchases)
    after = _grouped(grid, plan.purchases)
    actions = []
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key, []), after.get(key, [])
        change = sum(p.quantity for p in new) - sum(p.quantity for p in old)
        cost = sum(p.cost for p in new) - sum(p.cost for p in old)
        if not old:
            action = "buy" if key[2] == "standard" else "expedite"
        elif not new:
            action = "cancel"
        elif change > 0:
            action = "buy more"
        elif change < 0:
            action = "buy less"
        else:
            continue
        actions.append(SupplierAction(action, *key, change, round(cost, 2), tuple(new)))
    return actions
