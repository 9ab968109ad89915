"""``regenerate``: solve the changed plant from scratch, with no memory of the baseline."""

from __future__ import annotations

from solver.cpsat.search import plan as solve_plan
from solver.data import Plant
from solver.plan import Plan
from solver.settings import Settings


class Regenerate:
    name = "regenerate"

    def replan(
        self, plant: Plant, baseline: Plan, now: int, changed: list[str], settings: Settings
    ) -> Plan:
        return solve_plan(plant, settings)
