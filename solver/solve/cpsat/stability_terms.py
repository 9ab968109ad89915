"""The minimal-change term (family 7).

|start - baseline start| of a made order is stated one-sided (two inequalities, enforced only
when the order is made): the objective pushes it down to the exact distance wherever it counts,
so a proven optimum's objective equals the one ``stability.stability_units`` recomputes from the
plan, and every plan is priced exactly by that recomputation (``model.priced``).
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.domain.plant import Plant
from solver.facts.stability import Reference
from solver.rules.costs import resource_change_cost, shift_cost_per_tick
from solver.solve.cpsat.variables import ModelVars, new_shift


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
                moved = new_shift(model, plant, variables, step, old.start)
                model.add(moved.counted >= step.start - old.start).only_enforce_if(order_vars.made)
                model.add(moved.counted >= old.start - step.start).only_enforce_if(order_vars.made)
                terms.append(per_tick * moved.counted)
            if per_change:
                terms += [
                    per_change * option.present
                    for option in step.options
                    if option.resource != old.resource
                ]
    return sum(terms)


def kept_places(
    model: cp_model.CpModel, variables: ModelVars, reference: Reference
) -> list[cp_model.IntVar]:
    """One literal per baseline step of the model: true only when the step keeps its place.

    A literal implies the step runs on its baseline resource at its baseline start; their sum
    is the count of steps left where they were, the objective of ``fewer_moves`` (a charge per
    step moved, where ``stability_term`` charges per tick).
    """
    before = reference.steps()
    kept = []
    for oid, order_vars in variables.orders.items():
        for step in order_vars.steps:
            old = before.get((oid, step.index))
            if old is None or step.pinned:
                continue
            option = next((o for o in step.options if o.resource == old.resource), None)
            if option is None or not option.domain.contains(old.start):
                continue
            literal = model.new_bool_var(f"kept_{oid}_{step.index}")
            model.add_implication(literal, option.present)
            model.add(step.start == old.start).only_enforce_if(literal)
            kept.append(literal)
    return kept
