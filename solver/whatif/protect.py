"""The promise rule: which other orders a customer change may not harm, and by what yardstick
the options of an answer are compared.

``protect: due`` (default): no other order becomes late, and a late order gets no later, so
each order may finish up to ``max(due, baseline completion)``. ``protect: plan``: no order
finishes later than in the baseline. ``protect_tolerance`` is added to either limit.
"""

from __future__ import annotations

import dataclasses

from solver.domain.plan import OrderOutcome, Plan
from solver.domain.plant import Plant
from solver.facts.kpis import objective_units
from solver.rules.costs import units_per_currency
from solver.solve.replanning import kept_baseline


def completion(outcome: OrderOutcome | None) -> int | None:
    """When an order is complete in a plan (0 when shipped from stock; None when not made)."""
    if outcome is None or not outcome.accepted:
        return None
    return 0 if outcome.from_stock else outcome.completion


def protect_limits(plant: Plant, baseline: Plan, asked: list[str]) -> dict[str, int]:
    """Order -> latest completion tick that does it no harm, for every order the baseline
    makes that the changed plant still has, other than the asked ones."""
    settings = plant.settings
    tolerance = plant.grid.duration_ticks(settings.protect_tolerance.total_seconds())
    limits = {}
    for outcome in baseline.outcomes:
        done = completion(outcome)
        if done is None or outcome.order in asked or outcome.order not in plant.orders:
            continue
        allowed = done if settings.protect == "plan" else max(done, plant.orders[outcome.order].due)
        limits[outcome.order] = allowed + tolerance
    return limits


def rule_text(plant: Plant) -> str:
    """The protect rule in words, for a verdict."""
    tolerance = plant.settings.protect_tolerance
    extra = f" (tolerance {tolerance})" if tolerance.total_seconds() else ""
    if plant.settings.protect == "plan":
        return "no other order finishes later than planned" + extra
    return "no other order becomes late and no late order gets later" + extra


def judged(plant: Plant, plan: Plan, dues: dict[str, int]) -> tuple[Plant, Plan]:
    """The plant with some orders due at other ticks, and the plan's tardiness judged on it."""
    orders = dict(plant.orders)
    for oid, due in dues.items():
        if oid in orders:
            orders[oid] = dataclasses.replace(orders[oid], due=due)
    judging = plant.replace(orders=orders)
    outcomes = tuple(
        dataclasses.replace(o, due=dues[o.order], tardiness=max(0, o.completion - dues[o.order]))
        if o.order in dues and o.completion is not None and o.accepted and not o.from_stock
        else o
        for o in plan.outcomes
    )
    return judging, dataclasses.replace(plan, outcomes=outcomes)


def option_cost(
    plant: Plant, plan: Plan, baseline: Plan, limits: dict[str, int], weights: dict[str, int]
) -> float:
    """Money an option costs beyond the baseline, every other order judged at its limit.

    The asked orders keep their asked dates (the plant's dues); ``weights`` are the changed
    plant's priority weights, so that a displaced order costs what its rank says.
    """
    judging, judged_plan = judged(plant, plan, limits)
    _, judged_kept = judged(plant, kept_baseline(plant, baseline), limits)
    new = sum(objective_units(judging, judged_plan, weights).values())
    old = sum(objective_units(judging, judged_kept, weights).values())
    return (new - old) / units_per_currency(plant)
