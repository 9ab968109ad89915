"""Orders drawn at random: the kind that reaches what the others' anchors never pick."""

from __future__ import annotations

import random

from solver.domain.plan import Plan
from solver.domain.plant import Plant


class RandomOrders:
    name = "random_orders"

    def applies(self, plant: Plant) -> bool:
        return True

    def choose(
        self, plant: Plant, plan: Plan, size: int, rng: random.Random, focus: list[str] | None
    ) -> set[str]:
        orders = sorted(o.order for o in plan.outcomes)
        return set(rng.sample(orders, min(size, len(orders))))
