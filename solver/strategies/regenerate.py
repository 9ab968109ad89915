"""``regenerate``: solve the changed plant from scratch, with no memory of the baseline."""

from __future__ import annotations

from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.solve.search import plan as solve_plan


class Regenerate:
    name = "regenerate"

    def replan(self, plant: Plant, baseline: Plan, now: int, changed: list[str]) -> Plan:
        return solve_plan(plant)
