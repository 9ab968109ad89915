"""``right_shift``: keep every step on its baseline resource and in baseline order, never
earlier than planned; push what no longer fits later. Orders new to the plan go last."""

from __future__ import annotations

from solver.domain.errors import SolveError
from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.facts.stability import Reference
from solver.solve.dispatch import dispatch
from solver.solve.replanning import baseline_sequence
from solver.strategies.base import with_objective


class RightShift:
    name = "right_shift"

    def replan(self, plant: Plant, baseline: Plan, now: int, changed: list[str]) -> Plan:
        keep = {
            (s.order, s.step_index): (s.resource, max(s.start, now))
            for s in baseline.steps
            if s.order in plant.orders and s.order not in changed
        }
        sequence = [o for o in baseline_sequence(plant, baseline) if o not in changed]
        sequence += sorted(changed, key=lambda o: plant.orders[o].due)
        plan = dispatch(plant, sequence, keep)
        if plan.status != "DISPATCH":
            missing = [o.order for o in plan.outcomes if not o.accepted]
            raise SolveError(f"right shift cannot place firm orders {', '.join(missing[:5])}")
        return with_objective(plant, plan, Reference(baseline, frozenset(changed)))
