"""Orders that draw on one material around one time (plants with supply): a late order's
material (or any needed one) and when it draws it; the orders needing that material whose
draws are nearest are freed, so that stock and purchases can be traded between them."""

from __future__ import annotations

import random

from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.solve.neighbourhoods import late_orders, nearest_to
from solver.supply.sources import draw_starts, has_supply


class SharedMaterial:
    name = "shared_material"

    def applies(self, plant: Plant) -> bool:
        return has_supply(plant) and bool(plant.materials)

    def choose(
        self, plant: Plant, plan: Plan, size: int, rng: random.Random, focus: list[str] | None
    ) -> set[str]:
        needs: dict[str, set[str]] = {}
        for s in plan.supplies:
            needs.setdefault(s.material, set()).add(s.order)
        if not needs:
            return set()
        late = set(late_orders(plan)) | set(focus or ())
        anchors = sorted({(s.material, s.order) for s in plan.supplies if s.order in late})
        if anchors:
            material, order = rng.choice(anchors)
        else:
            material = rng.choice(sorted(needs))
            order = rng.choice(sorted(needs[material]))
        # When each draws the material: the start of the step its BOM line names.
        draws = draw_starts(plant, plan)
        centre = draws.get((order, material), plant.orders[order].due)
        distance = {
            o: abs(draws.get((o, material), plant.orders[o].due) - centre) for o in needs[material]
        }
        return nearest_to(distance, size) | {order}
