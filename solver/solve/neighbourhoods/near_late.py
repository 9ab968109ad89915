"""Orders whose work lies nearest in time to an anchor: a changed order's latest start, a late
order's completion (70 % of the rest), or any order's: the first kind, and the only one
before the adaptive search."""

from __future__ import annotations

import random

from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.rules.ranking import remaining_work
from solver.solve.neighbourhoods import nearest_to, step_distance


class NearLate:
    name = "near_late"

    def applies(self, plant: Plant) -> bool:
        return True

    def choose(
        self, plant: Plant, plan: Plan, size: int, rng: random.Random, focus: list[str] | None
    ) -> set[str]:
        late = [o for o in plan.outcomes if o.accepted and o.tardiness > 0]
        focused = [o for o in plan.outcomes if focus and o.order in focus]
        if focused and rng.random() < 0.5:
            # Around where a changed order should be: its due date, not where it landed.
            anchor = rng.choice(focused)
            centre = plant.orders[anchor.order].due - remaining_work(plant, anchor.order)
        else:
            anchor = rng.choice(late) if late and rng.random() < 0.7 else rng.choice(plan.outcomes)
            completion = anchor.completion
            centre = completion if completion is not None else plant.orders[anchor.order].due
        distance: dict[str, int] = {}
        for step in plan.steps:
            d = step_distance(step.start, step.end, centre)
            distance[step.order] = min(d, distance.get(step.order, d))
        for outcome in plan.outcomes:  # declined orders: by due date
            distance.setdefault(outcome.order, abs(plant.orders[outcome.order].due - centre))
        chosen = nearest_to(distance, size)
        if anchor in focused:  # the changed order itself may lie far from where it should go
            chosen.add(anchor.order)
        return chosen
