"""Orders due nearest in time to an anchor's due date: the orders that compete for the same
capacity before their dates, wherever the plan put them. The anchor is a changed order (half
of the time when there is one), else a late order (70 % of the rest), else any order.

``near_late`` frees the orders whose steps lie near where a late order *ended*: after its
due date, where the work that made it late is already done. The orders due at about the same
time are the ones it has to trade places with (benchmarks/README.md, "Neighbourhoods by due
date": at 5,000 generated orders, 60 s of LNS took 15 % off dispatch's lateness with these
neighbourhoods against 5 % with ``near_late``).
"""

from __future__ import annotations

import random

from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.solve.neighbourhoods import late_orders, nearest_to


class NearDue:
    name = "near_due"

    def applies(self, plant: Plant) -> bool:
        return True

    def choose(
        self, plant: Plant, plan: Plan, size: int, rng: random.Random, focus: list[str] | None
    ) -> set[str]:
        orders = sorted(o.order for o in plan.outcomes)
        if not orders:
            return set()
        focused = sorted(set(focus or ()) & set(orders))
        late = late_orders(plan)
        if focused and rng.random() < 0.5:
            anchor = rng.choice(focused)
        else:
            anchor = rng.choice(late) if late and rng.random() < 0.7 else rng.choice(orders)
        centre = plant.orders[anchor].due
        distance = {oid: abs(plant.orders[oid].due - centre) for oid in orders}
        return nearest_to(distance, size) | {anchor}
