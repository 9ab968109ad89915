"""The priced levers of a late order, for the console and JSON (``replan explain``)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from solver.domain.plant import Plant
from solver.explain.levers import Lever
from solver.explain.words import moment


def print_levers(console: Console, plant: Plant, order_id: str, levers: Sequence[Lever]) -> None:
    """A table of the levers (those that restore the due date first, cheapest first) and a
    line naming the cheapest that does, or saying that none does."""
    money = plant.currency
    if not levers:
        console.print(
            f"No lever found for {order_id}: neither overtime on its resources, re-planning it "
            "alone, moving lower-ranked orders nor (where allowed) a split delivery brings it "
            "earlier.",
            markup=False,
            highlight=False,
        )
        return
    table = Table(title=f"Levers for {order_id}, cheapest that restores the due date first")
    for column in ("lever", "what to do", "new completion", "on time", "costs", "saves", "net"):
        table.add_column(column, justify="right" if column in ("costs", "saves", "net") else "left")
    for lever in levers:
        table.add_row(
            lever.kind,
            lever.action,
            moment(plant, lever.completion) if lever.completion is not None else "-",
            on_time_text(lever, plant.orders[order_id].quantity),
            f"{lever.cost:,.2f}",
            f"{lever.saving:,.2f}",
            f"{lever.saving - lever.cost:,.2f}",
        )
    console.print(table)
    rate = plant.settings.overtime_cost_per_hour
    console.print(
        f"costs: overtime (at each resource's overtime_cost_per_hour, else {rate:g} {money}/h) "
        "plus what the plan loses elsewhere (other orders' lateness, purchases) plus, for a "
        f"split, one more delivery ({plant.settings.partial_delivery_cost:g} {money}); saves: "
        f"the order's own lateness cost (a split's late rest by its share of the quantity), in "
        f"{money}",
        markup=False,
        highlight=False,
    )
    restoring = [lever for lever in levers if lever.on_time]
    if restoring:
        best = restoring[0]
        console.print(
            f"Cheapest fix: {best.action}: {order_id} on time for {best.cost:,.2f} {money}.",
            markup=False,
            highlight=False,
        )
    else:
        console.print(
            f"No lever tried brings {order_id} back to its due date; the first row brings it "
            "closest.",
            markup=False,
            highlight=False,
        )


def on_time_text(lever: Lever, quantity: int) -> str:
    """ "yes", "no", or for a split delivery the part that is on time."""
    if lever.first_part:
        return f"{lever.first_part} of {quantity}"
    return "yes" if lever.on_time else "no"


def levers_dict(plant: Plant, levers: Sequence[Lever]) -> list[dict]:
    """The levers as JSON values: times as ISO datetimes, money as numbers."""
    return [
        {
            "kind": lever.kind,
            "action": lever.action,
            "completion": None
            if lever.completion is None
            else plant.grid.to_datetime(lever.completion).isoformat(),
            "on_time": lever.on_time,
            "cost": lever.cost,
            "saving": lever.saving,
            "overtime_hours": lever.overtime_hours,
            "moved": list(lever.moved),
            "first_part": lever.first_part or None,
        }
        for lever in levers
    ]
