"""Orders competing for one resource around one time: the steps of a late order (or any step)
name the resource and the time; the orders with work on that resource nearest that time are
freed. A neighbourhood of one queue, where ``near_late`` mixes every resource busy then."""

from __future__ import annotations

import random

from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.solve.neighbourhoods import late_orders, nearest_to, step_distance


class ResourceWindow:
    name = "resource_window"

    def applies(self, plant: Plant) -> bool:
        return True

    def choose(
        self, plant: Plant, plan: Plan, size: int, rng: random.Random, focus: list[str] | None
    ) -> set[str]:
        late = set(late_orders(plan)) | set(focus or ())
        anchors = [s for s in plan.steps if s.order in late] or list(plan.steps)
        if not anchors:
            return set()
        anchor = rng.choice(anchors)
        centre = (anchor.start + anchor.end) // 2
        distance: dict[str, int] = {}
        for step in plan.steps:
            if step.resource == anchor.resource:
                d = step_distance(step.start, step.end, centre)
                distance[step.order] = min(d, distance.get(step.order, d))
        return nearest_to(distance, size) | {anchor.order}
