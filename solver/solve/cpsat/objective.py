"""Family 7, the objective: ranked weighted tardiness + margin lost on declined orders, plus
purchase, expedite, supplier-risk and holding cost when the plant models supply, and
changeover cost on machines with a changeover matrix.

Coefficients come from ``solver.rules.costs`` (exact integers); ``kpis.objective_units`` redoes the
same arithmetic from a plan alone and must match the solver exactly.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.domain.plant import Plant
from solver.facts.stability import Reference
from solver.rules.costs import changeover_cost_per_tick, decline_cost, tardiness_coefficient
from solver.solve.cpsat.changeovers import changeover_expr
from solver.solve.cpsat.materials import supply_terms
from solver.solve.cpsat.promise_terms import set_promise_objective
from solver.solve.cpsat.stability_terms import stability_term
from solver.solve.cpsat.variables import ModelVars, new_order_timing


def add_completion_and_tardiness(
    model: cp_model.CpModel, plant: Plant, variables: ModelVars
) -> None:
    """Completion = end of the last step; tardiness >= completion - due if made, and >= 0.

    One-sided: the objective pushes tardiness down to max(0, completion - due) wherever its
    coefficient counts, so a proven optimum states it exactly; a plan's tardiness and objective
    are recomputed from its completions anyway (``model.extract``), never read from here.
    An order that must be made and cannot finish by its due date gets that lateness as its
    lower bound.
    """
    for oid, order_vars in variables.orders.items():
        due = plant.orders[oid].due
        last = order_vars.steps[-1].end
        earliest_end, latest_end = _end_range(last)
        always_made = not plant.orders[oid].optional and order_vars.from_stock is None
        earliest = max(0, earliest_end - due) if always_made else 0
        tardiness = new_order_timing(model, order_vars, earliest, max(0, latest_end - due))
        if latest_end > due:
            model.add(tardiness >= last - due).only_enforce_if(order_vars.made)


def _end_range(end: cp_model.IntVar) -> tuple[int, int]:
    domain = end.proto.domain  # negative indexes read 0 on this proto binding
    return int(domain[0]), int(domain[len(domain) - 1])


def objective_terms(
    plant: Plant, variables: ModelVars, weights: dict[str, int]
) -> dict[str, cp_model.LinearExpr]:
    """Each objective term as a linear expression in objective units."""
    tardiness = sum(
        tardiness_coefficient(plant, weights[oid]) * o.tardiness
        for oid, o in variables.orders.items()
    )
    declined = sum(
        decline_cost(plant, oid) * (1 - o.accepted)
        for oid, o in variables.orders.items()
        if plant.orders[oid].optional
    )
    terms = {"tardiness": tardiness, "declined": declined}
    if variables.supply is not None:
        terms.update(supply_terms(plant, variables, variables.supply))
    if plant.changeovers:
        terms["changeover"] = changeover_expr(plant, variables, changeover_cost_per_tick(plant))
    return terms


def set_objective(
    model: cp_model.CpModel,
    plant: Plant,
    variables: ModelVars,
    weights: dict[str, int],
    reference: Reference | None = None,
    promise: list[str] | None = None,
) -> dict[str, cp_model.LinearExpr]:
    """Minimise the sum of the terms; returns the terms for reporting.

    With a ``reference`` the minimal-change ``stability`` term joins. With ``promise`` (the
    asked orders of a what-if) the model instead sets their dates (``promise_terms``); the
    terms are still returned for reporting.
    """
    add_completion_and_tardiness(model, plant, variables)
    terms = objective_terms(plant, variables, weights)
    if reference is not None:
        terms["stability"] = stability_term(model, plant, variables, reference)
    if promise:
        set_promise_objective(model, plant, variables, promise)
    else:
        model.minimize(sum(terms.values()))
    return terms
