"""Minimal-change re-planning: solve a changed plant close to a baseline plan.

The complete hint is the best valid plan among: the baseline with the changed orders inserted
into its gaps (``insertion``), the best dispatch plan, and dispatch in the baseline's order.
It is also the plan returned if CP-SAT finds none within the time limit.
"""

from __future__ import annotations

import contextlib
import dataclasses

from solver.domain.errors import SolveError
from solver.domain.plan import OrderOutcome, Plan
from solver.domain.plant import Pin, Plant
from solver.facts.checker import check_plan
from solver.facts.kpis import objective_units, with_objective
from solver.facts.stability import Reference
from solver.rules.ranking import rank_orders, tardiness_weights
from solver.solve.cpsat.model import build, solve
from solver.solve.dispatch import best_dispatch, dispatch
from solver.solve.lns import improve, merge, restrict, sub_plant
from solver.solve.putting_back import put_back
from solver.solve.residual_supply import residual_supply
from solver.supply.allocation import build_purchases
from solver.supply.sources import has_supply


def minimal_change(
    plant: Plant,
    baseline: Plan,
    reference: Reference,
    asked: list[str],
) -> Plan:
    """Solve with the baseline as reference, from the best complete hint available.

    Big books (with or without supply) are improved by neighbourhoods around the asked orders
    (our LNS, with the stability term) instead of one whole-model solve, which measured stuck at its
    hint from 200 orders within a few seconds (benchmarks/README.md); the orders they moved
    and need not have go back to their old places (``putting_back``). The plant's settings
    give the budget.
    """
    settings = plant.settings
    ranks = rank_orders(plant)
    weights = {r.order: r.weight for r in ranks}
    inserted = insertion(plant, baseline, asked)
    candidates = [
        inserted,
        best_dispatch(plant, ranks),
        dispatch(plant, baseline_sequence(plant, baseline)),
    ]
    if not has_supply(plant) and not uses_neighbourhoods(plant):
        # The baseline repaired only where the change touches it: close to the baseline and
        # usually far cheaper than a fresh dispatch plan, for a quarter of the budget.
        # Measured on the demo's AOI breakdown (2 s): 32,992 with it, 33,560-33,660 without.
        quick = plant.replace(settings=settings.share(1 / 4, at_least=0.2))
        with contextlib.suppress(SolveError):
            candidates.append(repair_affected(quick, baseline, 0, asked))
    # The hint is also the plan returned if CP-SAT finds none in time: it must be valid.
    valid = [c for c in candidates if valid_plan(plant, c)]
    hint = min(
        valid or candidates[1:2],
        key=lambda p: sum(objective_units(plant, p, weights, reference).values()),
    )
    if not valid:
        hint = dataclasses.replace(hint, status="DISPATCH_INCOMPLETE")
    elif uses_neighbourhoods(plant):
        # Start from the baseline itself with the change inserted and repair around the
        # change. Measured at 200 orders, 2 s: 18,486 with 40 steps moved from the insertion,
        # 24,840 with 439 moved from the cheapest candidate (a fresh dispatch plan).
        improved = improve(
            plant,
            inserted if inserted in valid else hint,
            None,
            reference,
            asked or None,
            settings.whatif_lns_orders,
            max(0.5, settings.time_limit / 2),
            kinds="near_late",  # around the change: the what-if's neighbourhoods are measured so
        )
        return put_back(plant, improved, reference, weights)
    return solve(build(plant, hint, weights, reference))


def uses_neighbourhoods(plant: Plant) -> bool:
    """Minimal change by LNS above ``whatif_lns_above`` orders, or ``whatif_lns_above_supply``
    for plants with supply, whose neighbourhoods get the supply the others leave
    (``solve.residual_supply``)."""
    settings = plant.settings
    above = settings.whatif_lns_above_supply if has_supply(plant) else settings.whatif_lns_above
    return len(plant.orders) > above


def valid_plan(plant: Plant, plan: Plan) -> bool:
    """Complete (every firm order made) and passing the checker: fit to be a hint or an answer."""
    complete = plan.status not in ("DISPATCH_INCOMPLETE",)
    return (
        complete
        and all(o.accepted or plant.orders[o.order].optional for o in plan.outcomes)
        and not check_plan(plant, plan)
    )


def keeps(plan: Plan, limits: dict[str, int]) -> bool:
    """Every order in ``limits`` is made (or shipped) and, if made, complete by its limit."""
    return all(
        (o := plan.outcome(oid)) is not None
        and o.accepted
        and (o.completion is None or o.completion <= limit)
        for oid, limit in limits.items()
    )


def baseline_sequence(plant: Plant, baseline: Plan) -> list[str]:
    """Orders by their baseline start; orders new to the plan after them, by due date."""
    starts = baseline.first_starts()
    return sorted(
        plant.orders, key=lambda o: (o not in starts, starts.get(o, 0), plant.orders[o].due)
    )


def insertion(plant: Plant, baseline: Plan, asked: list[str]) -> Plan:
    """Every other order exactly where the baseline has it; the asked orders in the gaps.

    Where the baseline no longer fits (new downtime, a cancelled order's gap is harmless), the
    orders it concerns are re-placed greedily after the others. Optional orders the baseline
    declined stay declined (``baseline_declined``).
    """
    held_pins = dict(plant.pins)
    for step in baseline.steps:
        key = (step.order, step.step_index)
        if step.order in plant.orders and step.order not in asked and key not in held_pins:
            held_pins[key] = Pin(step.order, step.step_index, step.resource, step.start)
    declined = baseline_declined(plant, baseline, asked)
    others = [o for o in baseline_sequence(plant, baseline) if o not in asked and o not in declined]
    dispatching = plant.replace(pins=held_pins)
    if has_supply(plant):
        # Held orders look started to dispatch, which would let the asked ones draw the stock
        # and supplier capacity they use: the asked orders get what the held ones leave.
        dispatching = residual_supply(dispatching, kept_baseline(plant, baseline), set(asked))
    placed = dispatch(dispatching, asked + others).pinned_only_at(plant.pins)
    placed = with_declined(plant, placed, declined)
    # Held orders look started to dispatch, so their materials come from the baseline.
    kept = tuple(s for s in baseline.supplies if s.order in plant.orders and s.order not in asked)
    supplies = kept + tuple(s for s in placed.supplies if s.order in asked)
    return dataclasses.replace(
        placed,
        supplies=supplies,
        purchases=tuple(build_purchases(plant, supplies)),
    )


def baseline_declined(plant: Plant, baseline: Plan, asked: list[str]) -> set[str]:
    """Optional orders the baseline declines: a start made by dispatch keeps them declined.

    Dispatched after every other order, such an order lands at the end of the horizon: at
    1,000 orders (generated, seed 5) one was made 76 days late, a tardiness cost 28 times the
    margin the baseline gave up by declining it, and the what-if settled on that start turned
    an ACCEPT into a REJECT. A solve may still make it when that pays.
    """
    return {
        o.order
        for o in baseline.outcomes
        if not o.accepted
        and o.order in plant.orders
        and o.order not in asked
        and plant.orders[o.order].optional
    }


def with_declined(plant: Plant, plan: Plan, orders: set[str]) -> Plan:
    """The plan with an outcome saying each of ``orders`` is declined."""
    declined = tuple(
        OrderOutcome(oid, False, None, plant.orders[oid].due, 0) for oid in sorted(orders)
    )
    return dataclasses.replace(plan, outcomes=plan.outcomes + declined)


def kept_baseline(plant: Plant, baseline: Plan) -> Plan:
    """The baseline without the orders the plant no longer has."""
    return dataclasses.replace(
        baseline,
        steps=tuple(s for s in baseline.steps if s.order in plant.orders),
        outcomes=tuple(o for o in baseline.outcomes if o.order in plant.orders),
        supplies=tuple(s for s in baseline.supplies if s.order in plant.orders),
    )


def repair_affected(plant: Plant, baseline: Plan, now: int, changed: list[str]) -> Plan:
    """Re-solve only the orders the change touches; the rest keeps the baseline exactly.

    The touched orders (``affected_orders``) are solved on a sub-plant where every other
    order's steps are downtime, with the stability cost, and merged back. Plants without
    supply only: stock and supplier capacity are shared by all orders.
    """
    kept = kept_baseline(plant, baseline)
    free = affected_orders(plant, kept, now, changed)
    reference = Reference(baseline, frozenset(changed))
    if not free:
        return with_objective(plant, kept, reference)
    sub = sub_plant(plant, kept, free)
    weights = tardiness_weights(plant)
    repaired = solve(build(sub, None, weights, reference))
    merged = merge(restrict(kept, set(plant.orders) - free), repaired, free)
    return with_objective(plant, merged, reference)


def affected_orders(plant: Plant, kept: Plan, now: int, changed: list[str]) -> set[str]:
    """The orders to re-solve (see the module docstring)."""
    free = {o for o in changed if o in plant.orders}
    for violation in check_plan(plant, restrict(kept, set(plant.orders) - free)):
        if violation.order:
            free.add(violation.order)
        elif violation.resource:
            free |= {s.order for s in kept.steps if s.resource == violation.resource}
    free |= set(plant.orders) - {o.order for o in kept.outcomes}  # new to the plan
    if not free:
        return free
    window = plant.grid.duration_ticks(plant.settings.affected_window.total_seconds())
    resources = {
        option.resource
        for oid in free
        for _, step in plant.remaining_steps(oid)
        for option in step.options
    }
    starts = [s.start for s in kept.steps if s.order in free] or [now]
    begin = max(now, min(starts))
    for step in kept.steps:
        if step.resource in resources and begin <= step.start < begin + window and not step.pinned:
            free.add(step.order)
    return free
