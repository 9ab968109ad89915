"""Complete solution hints from a plan: every decision and every derived variable.

A partial or inconsistent hint is much weaker than a complete one (DESIGN.md), so the hint
sets acceptance, each step's start, end and chosen option, and each order's lateness and
tardiness; declined orders get a consistent dummy placement.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.cpsat.variables import ModelVars
from solver.data import Plant
from solver.plan import Plan


def add_plan_hint(model: cp_model.CpModel, plant: Plant, variables: ModelVars, plan: Plan) -> None:
    """Hint every model variable with the values of ``plan``."""
    model.clear_hints()
    placed = {(s.order, s.step_index): s for s in plan.steps}
    hinted: set[int] = set()

    def hint(var, value: int) -> None:
        if var.index not in hinted and not _is_constant(var):
            hinted.add(var.index)
            model.add_hint(var, value)

    outcomes = {o.order: o for o in plan.outcomes}
    for oid, order_vars in variables.orders.items():
        outcome = outcomes.get(oid)
        accepted = bool(outcome and outcome.accepted)
        hint(order_vars.accepted, int(accepted))
        end = 0
        for step in order_vars.steps:
            done = placed.get((oid, step.index)) if accepted else None
            if done is None:
                start = step.options[0].domain.min()
                end = start + step.options[0].size
                chosen = None
            else:
                start, end, chosen = done.start, done.end, done.resource
            hint(step.start, start)
            hint(step.end, end)
            for option in step.options:
                hint(option.present, int(option.resource == chosen))
        lateness = max(0, end - plant.orders[oid].due)
        hint(order_vars.lateness, lateness)
        hint(order_vars.tardiness, lateness if accepted else 0)


def _is_constant(var) -> bool:
    domain = var.proto.domain
    return len(domain) == 2 and domain[0] == domain[1]
