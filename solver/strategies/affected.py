"""``affected``: re-solve only the orders the change touches; everything else keeps the
baseline (match-up scheduling).

Touched: the orders a customer change adds or alters, orders whose baseline steps the changed
plant no longer allows (new downtime, less capacity), and orders with steps on the resources
those use, starting within ``affected_window`` after the earliest touched step. The others'
steps become downtime of a small plant, which is solved with the stability cost. Plants with
supply fall back to ``stable`` (stock and supplier capacity are shared by all orders).
"""

from __future__ import annotations

from solver.checker import check_plan
from solver.cpsat.lns import _merge, restrict, sub_plant
from solver.cpsat.model import build, solve
from solver.data import Plant
from solver.plan import Plan
from solver.ranking import tardiness_weights
from solver.settings import Settings
from solver.stability import Reference
from solver.strategies.base import kept_baseline, with_objective
from solver.strategies.stable import Stable
from solver.supply import has_supply
from solver.timegrid import parse_duration


class Affected:
    name = "affected"

    def replan(
        self, plant: Plant, baseline: Plan, now: int, changed: list[str], settings: Settings
    ) -> Plan:
        if has_supply(plant):
            return Stable().replan(plant, baseline, now, changed, settings)
        kept = kept_baseline(plant, baseline)
        free = affected_orders(plant, kept, now, changed, settings)
        reference = Reference(baseline, frozenset(changed))
        if not free:
            return with_objective(plant, kept, reference)
        sub = sub_plant(plant, kept, free)
        weights = tardiness_weights(plant)
        repaired = solve(build(sub, None, weights, reference), settings)
        merged = _merge(restrict(kept, set(plant.orders) - free), repaired, free)
        return with_objective(plant, merged, reference)


def affected_orders(
    plant: Plant, kept: Plan, now: int, changed: list[str], settings: Settings
) -> set[str]:
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
    window = plant.grid.duration_ticks(parse_duration(settings.affected_window).total_seconds())
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
