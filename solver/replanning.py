"""Minimal-change re-planning: solve a changed plant close to a baseline plan.

The complete hint is the best valid plan among: the baseline with the changed orders inserted
into its gaps (``insertion``), the best dispatch plan, and dispatch in the baseline's order.
It is also the plan returned if CP-SAT finds none within the time limit.
"""

from __future__ import annotations

import dataclasses

from solver.allocation import build_purchases
from solver.checker import check_plan
from solver.costs import units_per_currency
from solver.cpsat.model import build, solve
from solver.data import Pin, Plant
from solver.dispatch import best_dispatch, dispatch
from solver.kpis import objective_units
from solver.plan import Plan
from solver.ranking import rank_orders
from solver.settings import Settings
from solver.stability import Reference


def minimal_change(
    plant: Plant,
    baseline: Plan,
    reference: Reference,
    settings: Settings,
    asked: list[str],
    limits: dict[str, int] | None = None,
    earliest: list[str] | None = None,
) -> Plan:
    """Solve with the baseline as reference and the best complete hint available."""
    ranks = rank_orders(plant)
    weights = {r.order: r.weight for r in ranks}
    candidates = [
        insertion(plant, baseline, asked),
        best_dispatch(plant, ranks),
        dispatch(plant, baseline_sequence(plant, baseline)),
    ]
    # The hint is also the plan returned if CP-SAT finds none in time: it must be valid.
    valid = [c for c in candidates if c.status == "DISPATCH" and not check_plan(plant, c)]
    hint = min(
        valid or candidates[1:2],
        key=lambda p: sum(objective_units(plant, p, weights, reference).values()),
    )
    if not valid:
        hint = dataclasses.replace(hint, status="DISPATCH_INCOMPLETE")
    built = build(plant, hint, weights, reference, limits, earliest)
    result = solve(built, settings)
    if earliest:  # report the plan's own objective, not the summed completion it minimised
        terms = objective_units(plant, result, weights, reference)
        scale = units_per_currency(plant)
        result = dataclasses.replace(
            result,
            objective=sum(terms.values()) / scale,
            objective_units=sum(terms.values()),
            terms={k: v / scale for k, v in terms.items()},
            best_bound=None,
            gap=None,
        )
    return result


def baseline_sequence(plant: Plant, baseline: Plan) -> list[str]:
    """Orders by their baseline start; orders new to the plan after them, by due date."""
    starts = baseline.first_starts()
    return sorted(
        plant.orders, key=lambda o: (o not in starts, starts.get(o, 0), plant.orders[o].due)
    )


def insertion(plant: Plant, baseline: Plan, asked: list[str]) -> Plan:
    """Every other order exactly where the baseline has it; the asked orders in the gaps.

    Where the baseline no longer fits (new downtime, a cancelled order's gap is harmless), the
    orders it concerns are re-placed greedily after the others.
    """
    held_pins = dict(plant.pins)
    for step in baseline.steps:
        key = (step.order, step.step_index)
        if step.order in plant.orders and step.order not in asked and key not in held_pins:
            held_pins[key] = Pin(step.order, step.step_index, step.resource, step.start)
    sequence = asked + [o for o in baseline_sequence(plant, baseline) if o not in asked]
    placed = dispatch(plant.replace(pins=held_pins), sequence)
    steps = tuple(
        dataclasses.replace(s, pinned=(s.order, s.step_index) in plant.pins) for s in placed.steps
    )
    # Held orders look started to dispatch, so their materials come from the baseline.
    kept = tuple(s for s in baseline.supplies if s.order in plant.orders and s.order not in asked)
    supplies = kept + tuple(s for s in placed.supplies if s.order in asked)
    return dataclasses.replace(
        placed,
        steps=steps,
        supplies=supplies,
        purchases=tuple(build_purchases(plant, supplies)),
    )
