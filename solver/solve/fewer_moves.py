"""Fewer moves: re-plans re-solved for the count of steps left where the baseline had them.

Two searches. ``fewer_moves`` shortens the chains of a plan found already;
``fewest_from_baseline`` starts again from the baseline, the asked orders and their nearest
neighbours free, for a what-if's promise (``solve.promising``).

``putting_back`` returns an order to its old places when they are free; it cannot undo a
chain (an order cannot go back because another took its place, which cannot go back because
a third took its own). Here the moved orders alone are solved again, everything else held,
each finishing no later than it does in the plan (so no order gets later, no limit breaks
and no lateness rises), for the most steps at their baseline place (``kept_places``). The
result is kept only when it moves fewer steps and its objective, stability term included,
is no higher.

Measured on the kept 60-s baselines of benchmarks/whatif_latency.py --quality (a rush, the
engine's defaults; here within the settle's limit, 0.4 deterministic units on one worker):
at 1,000 orders, seed 2, the answer moved 67 steps (SMT steps shifted along a chain, no
completion changed) and 13 after this, in 1.0 s; seed 1's plan with fewer moves cost more
stability and was not kept. At 200 orders, seed 5: 38 to 32 in 0.07 s; seed 2 (64 orders
moved, 211 steps) found nothing better in 1.1 s. Plants without supply only, as
``putting_back``.
"""

from __future__ import annotations

import dataclasses

from solver.domain.errors import SolveError
from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.facts.kpis import objective_total, with_objective
from solver.facts.stability import Reference, moved_steps
from solver.solve.cpsat.model import build, solve
from solver.solve.cpsat.stability_terms import kept_places
from solver.solve.lns import Budget, around, merge, restrict, sub_plant
from solver.solve.replanning import insertion, keeps, valid_plan
from solver.supply.sources import has_supply

# The neighbourhoods of ``fewest_from_baseline``: from 10 orders, doubled while proven to have
# no plan, up to 80. On the kept baselines of benchmarks/whatif_latency.py --quality the plans
# came at 40 and 80 orders; where none exists the proofs up to 80 took 0.5 s of wall time at
# 1,000 orders, and up to every order on the asked ones' resources 4.5-4.9 s.
FIRST_SIZE = 10
LAST_SIZE = 80


def fewer_moves(
    plant: Plant,
    plan: Plan,
    reference: Reference,
    weights: dict[str, int],
) -> Plan:
    """The plan with its moved orders re-solved to leave more steps where the baseline had them.

    Parameters
    ----------
    plant : Plant
        The plant the plan is for; its settings give the solve's budget.
    plan : Plan
        A complete, valid plan (a what-if's settled answer).
    reference : Reference
        The baseline and the orders exempt from stability (the changed ones, never re-solved).
    weights : dict
        Order -> tardiness weight (the plant's ranking).

    Returns
    -------
    Plan
        ``plan`` itself unless the re-solve moves fewer steps at no higher objective; then
        that plan, re-priced (no bound: nothing is proven about the whole).
    """
    if has_supply(plant):
        return plan
    before = moved_steps(reference.plan, plan)
    moved = {oid for oid, _ in before} - reference.exclude
    caps = {}
    for oid in moved:
        outcome = plan.outcome(oid)
        if outcome is None or outcome.completion is None:
            continue
        # No later than now: looser (up to its due date) let more move back in principle,
        # but the search then found less in the same budget (1,000 orders, seed 2: none
        # against 67 -> 9 steps moved; 200 orders, seed 5: 38 -> 28 against 38 -> 32).
        caps[oid] = outcome.completion
    if not caps:
        return plan
    free = set(caps)
    built = build(sub_plant(plant, plan, free), restrict(plan, free), weights, None, caps)
    built.model.maximize(sum(kept_places(built.model, built.variables, reference)))
    merged = with_objective(plant, merge(plan, solve(built), free, plant), reference, weights)
    # The cheap tests first: the checker reads the whole plan.
    fewer = len(moved_steps(reference.plan, merged)) < len(before)
    if not fewer or merged.objective_units > objective_total(plant, plan, weights, reference):
        return plan
    if not valid_plan(plant, merged) or any(
        merged.outcome(oid).completion > cap for oid, cap in caps.items()
    ):
        return plan
    return dataclasses.replace(merged, status=plan.status, stats=plan.stats)


def fewest_from_baseline(
    plant: Plant,
    baseline: Plan,
    asked: list[str],
    weights: dict[str, int],
    reference: Reference,
    limits: dict[str, int],
    inserted: Plan | None = None,
    dates: dict[str, int] | None = None,
) -> Plan | None:
    """The asked orders put into the baseline at their asked dates, moving the fewest steps.

    Every other order stays where the baseline has it, except the asked orders' nearest
    neighbours on their resources (``lns.around`` on the insertion plan): those are solved
    again with the asked orders, each finishing by its limit and every asked order by its due
    date, for the most steps left at their baseline place (``kept_places``). The neighbourhood
    starts at ``FIRST_SIZE`` orders and doubles while it is proven to have no such plan, up to
    ``LAST_SIZE``.

    ``fewer_moves`` can only shorten the chains of a plan already found, whose starts (a
    re-dispatch of the asked orders' resources) moved 200-260 steps at 200 orders where 25-47
    would do (benchmarks/README.md). Searching from the baseline finds those plans, but only
    without a hint (the insertion plan, the asked orders at the end, misled the search: no plan
    in 4 s against the first at 1.9 s without) and with full presolve (25 steps in one unit
    against 137 with presolve off). Plants with supply are left to the other starts, as in
    ``fewer_moves``.

    Parameters
    ----------
    plant : Plant
        The changed plant (the asked orders due at their asked dates); its settings give the
        budget, shared by the neighbourhoods tried.
    baseline : Plan
    asked : list of str
    weights : dict
        Order -> tardiness weight (the plant's ranking).
    reference : Reference
        The baseline and the asked orders (exempt from stability).
    limits : dict
        Order -> latest completion tick of every other order (the promise rule's).
    inserted : Plan, optional
        The insertion plan (``replanning.insertion``), when the caller has it already.
    dates : dict, optional
        Asked order -> latest completion tick (a dated answer's dates); by default its due.

    Returns
    -------
    Plan or None
        A valid plan, re-priced with the stability term, in which every asked order meets its
        date and every order in ``limits`` finishes by its limit; None when none was found
        within the budget.
    """
    if has_supply(plant):
        return None
    caps = {**limits, **{oid: plant.orders[oid].due for oid in asked}, **(dates or {})}
    start = inserted or insertion(plant, baseline, asked)
    # The neighbourhoods gather around the asked orders' dates (``lns.around`` reads dues).
    centred = plant.replace(
        orders={
            **plant.orders,
            **{oid: dataclasses.replace(plant.orders[oid], due=caps[oid]) for oid in asked},
        }
    )
    budget = Budget(plant.settings)
    size = FIRST_SIZE
    while (left := budget.left()) > 0.2 and size <= LAST_SIZE:
        free = around(centred, start, asked, size)
        part = sub_plant(plant, start, free)
        part = part.replace(settings=plant.settings.cut_to(left)).with_settings(presolve="full")
        built = build(part, None, weights, None, {o: c for o, c in caps.items() if o in free})
        built.model.clear_hints()
        built.model.maximize(sum(kept_places(built.model, built.variables, reference)))
        try:
            found = solve(built)
            budget.charge(found)
        except SolveError as error:
            if not error.infeasible:  # no plan in time: a bigger neighbourhood is harder
                return None
            budget.charge(None)  # proven to have none: a bigger neighbourhood may
            if len(free) - len(asked) < size:  # it held every order it could
                return None
            size *= 2
            continue
        stats = {
            "method": "fewest_from_baseline",
            "orders_freed": len(free),
            "deterministic_time": found.stats.get("deterministic_time", 0.0),
        }
        # Nothing is proven about the whole plan: the rest was held.
        merged = dataclasses.replace(
            merge(start, found, free, plant), status="FEASIBLE", stats=stats
        )
        merged = with_objective(plant, merged, reference, weights)
        # Without a plan in time the solve returns its (dispatch) hint, which may break a cap.
        return merged if keeps(merged, caps) and valid_plan(plant, merged) else None
    return None
