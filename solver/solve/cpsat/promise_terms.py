"""What a promise-date solve adds: limits that protect the other orders, and the objective
that sets the asked orders' dates.

The asked orders' dues in the plant are the dates the customer asked for, so an asked order's
slip beyond its asked date is its tardiness variable. The objective is lexicographic in one
solve: the worst slip first, then the summed completion of the asked orders, as
``slip_weight x worst slip + sum of completions`` with ``slip_weight`` larger than any sum of
completions can be. A bound of at least ``slip_weight x worst slip`` proves the worst slip.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.domain.plant import Plant
from solver.solve.cpsat.variables import ModelVars, new_worst_slip


def add_completion_limits(
    model: cp_model.CpModel, variables: ModelVars, limits: dict[str, int]
) -> None:
    """Each listed order is made or shipped, and if made completes by its limit."""
    for oid, limit in limits.items():
        order_vars = variables.orders.get(oid)
        if order_vars is None:
            continue
        model.add(order_vars.accepted == 1)
        model.add(order_vars.steps[-1].end <= limit).only_enforce_if(order_vars.made)


def slip_weight(plant: Plant, asked: list[str]) -> int:
    """Larger than any sum of the asked orders' completions (each ends by the horizon)."""
    return len(asked) * max(1, plant.horizon) + 1


def set_promise_objective(
    model: cp_model.CpModel, plant: Plant, variables: ModelVars, asked: list[str]
) -> None:
    """Minimise the worst slip of the asked orders beyond their dates, then their completions.

    Asked orders must be made (or shipped): a promise is a date for the whole order.
    """
    worst = new_worst_slip(model, plant)
    for oid in asked:
        order_vars = variables.orders[oid]
        model.add(order_vars.accepted == 1)
        model.add(worst >= order_vars.tardiness)
    completions = sum(variables.orders[oid].steps[-1].end for oid in asked)
    model.minimize(slip_weight(plant, asked) * worst + completions)
