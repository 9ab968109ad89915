"""Promise dates for a what-if's asked orders: the dates that protect every other order.

One CP-SAT solve from the insertion plan (the one hint that keeps every other order where the
baseline has it) with the protecting limits as constraints and the promise objective
(``cpsat.promise_terms``): the worst slip of any asked order beyond its own asked date, then
their summed completion.
"""

from __future__ import annotations

from dataclasses import dataclass

from solver.domain.errors import SolveError
from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.facts.kpis import with_objective
from solver.facts.stability import Reference
from solver.rules.costs import units_per_currency
from solver.rules.ranking import rank_orders
from solver.solve.cpsat.model import build, solve
from solver.solve.cpsat.promise_terms import slip_weight
from solver.solve.dispatch import best_dispatch
from solver.solve.replanning import insertion, valid_plan


@dataclass(frozen=True)
class Promised:
    """The dated plan and what its solve proved.

    ``worst_slip``: ticks the latest asked order finishes beyond its asked date (0: all on
    time). ``worst_slip_proven``: no plan that protects the others has a smaller worst slip.
    ``dates_proven``: the solve was optimal, so the summed completion given that worst slip is
    the least possible too (for one asked order: its date is the earliest).
    """

    plan: Plan
    worst_slip: int
    worst_slip_proven: bool
    dates_proven: bool


def promise_dates(
    plant: Plant, baseline: Plan, reference: Reference, asked: list[str], limits: dict[str, int]
) -> Promised:
    """Set the asked orders' dates with every order in ``limits`` finished by its limit.

    Parameters
    ----------
    plant : Plant
        The changed plant; the asked orders' dues are the dates the customer asked for, and
        its settings give the solve's budget.
    baseline : Plan
    reference : Reference
        The baseline the proposal's stability cost is reported against.
    asked : list of str
    limits : dict
        Order -> latest completion tick (the protect rule's limits); those orders are made.

    Raises
    ------
    SolveError
        When no plan makes the asked orders within the horizon while keeping the limits.
    """
    ranks = rank_orders(plant)
    weights = {r.order: r.weight for r in ranks}
    inserted = insertion(plant, baseline, asked)
    hint = inserted if valid_plan(plant, inserted) else best_dispatch(plant, ranks)
    result = solve(build(plant, hint, weights, reference, limits, asked))
    worst = max((result.outcome(o).tardiness for o in asked), default=0)
    bound = (result.best_bound or 0.0) * units_per_currency(plant)
    proven_slip = result.status == "OPTIMAL" or bound >= slip_weight(plant, asked) * worst - 0.5
    return Promised(
        with_objective(plant, result, reference, weights),
        worst,
        proven_slip,
        result.status == "OPTIMAL",
    )


def as_asked(
    plant: Plant, baseline: Plan, reference: Reference, asked: list[str], hint: Plan | None = None
) -> Plan | None:
    """The cheapest plan found that meets every asked date, whatever it does to others.

    Minimal change with the asked orders' dues as hard limits, on half the budget: the option
    a planner weighs against the dated one when the proposal itself missed an asked date.
    None when no such plan is found in time (or none exists). ``hint`` is the proposal: a
    complete plan close to the baseline; without it the search starts from dispatch, which at
    200 orders moved 303 steps (benchmarks/whatif_latency.py --quality, seed 1).
    """
    weights = {r.order: r.weight for r in rank_orders(plant)}
    limits = {oid: plant.orders[oid].due for oid in asked}
    halved = plant.replace(settings=plant.settings.share(1 / 2, at_least=0.2))
    try:
        result = solve(build(halved, hint, weights, reference, limits))
    except SolveError:
        return None
    meets = all(
        (o := result.outcome(oid)) is not None and o.accepted and o.tardiness == 0 for oid in asked
    )
    return result if meets and valid_plan(plant, result) else None
