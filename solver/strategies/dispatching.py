"""``dispatch``: list scheduling by a priority rule (``settings.dispatch_rule``: edd, wspt, cr
or atc), no solver. What an ERP would do; respects calendars, capacity and materials."""

from __future__ import annotations

from solver.domain.errors import SolveError
from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.facts.stability import Reference
from solver.solve.dispatch import dispatch, sequence_by
from solver.strategies.base import with_objective


class Dispatching:
    name = "dispatch"

    def replan(self, plant: Plant, baseline: Plan, now: int, changed: list[str]) -> Plan:
        settings = plant.settings
        plan = dispatch(plant, sequence_by(plant, settings.dispatch_rule, now=now))
        if plan.status != "DISPATCH":
            missing = [o.order for o in plan.outcomes if not o.accepted]
            raise SolveError(f"dispatch cannot place firm orders {', '.join(missing[:5])}")
        return with_objective(plant, plan, Reference(baseline, frozenset(changed)))
