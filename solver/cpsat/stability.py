"""The minimal-change term (family 7) and the limits a promise-date solve adds.

|start - baseline start| is exact (an absolute-value equality), counted only when the order is
made, so that the objective recomputed from a plan by ``stability.stability_units`` equals the
solver's at every solution, not only at the optimum.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver.costs import resource_change_cost, shift_cost_per_tick
from solver.cpsat.variables import ModelVars, StepVars
from solver.data import Plant
from solver.stability import Reference


@dataclass
class ShiftVars:
    step: StepVars
    baseline_start: int
    shift: cp_model.IntVar  # |start - baseline start|
    counted: cp_model.IntVar  # shift if the order is made, else 0


def stability_term(
    model: cp_model.CpModel, plant: Plant, variables: ModelVars, reference: Reference
) -> cp_model.LinearExpr:
    """Cost of moving baseline steps (per tick) and of changing their resource."""
    before = reference.steps()
    per_tick, per_change = shift_cost_per_tick(plant), resource_change_cost(plant)
    terms = []
    for oid, order_vars in variables.orders.items():
        for step in order_vars.steps:
            old = before.get((oid, step.index))
            if old is None or step.pinned:
                continue
            if per_tick:
                shift = model.new_int_var(0, plant.horizon, f"shift[{oid}/{step.id}]")
                model.add_abs_equality(shift, step.start - old.start)
                counted = model.new_int_var(0, plant.horizon, f"moved[{oid}/{step.id}]")
                model.add(counted == shift).only_enforce_if(order_vars.made)
                model.add(counted == 0).only_enforce_if(~order_vars.made)
                variables.shifts.append(ShiftVars(step, old.start, shift, counted))
                terms.append(per_tick * counted)
            if per_change:
                terms += [
                    per_change * option.present
                    for option in step.options
                    if option.resource != old.resource
                ]
    return sum(terms)


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
