"""``stable``: minimal change, the what-if default (baseline as reference, complete hint)."""

from __future__ import annotations

from solver.data import Plant
from solver.plan import Plan
from solver.replanning import minimal_change
from solver.settings import Settings
from solver.stability import Reference


class Stable:
    name = "stable"

    def replan(
        self, plant: Plant, baseline: Plan, now: int, changed: list[str], settings: Settings
    ) -> Plan:
        reference = Reference(baseline, frozenset(changed))
        return minimal_change(plant, baseline, reference, settings, changed)
