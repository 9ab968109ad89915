"""``stable``: minimal change, the what-if default (baseline as reference, complete hint)."""

from __future__ import annotations

from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.facts.stability import Reference
from solver.solve.replanning import minimal_change


class Stable:
    name = "stable"

    def replan(self, plant: Plant, baseline: Plan, now: int, changed: list[str]) -> Plan:
        reference = Reference(baseline, frozenset(changed))
        return minimal_change(plant, baseline, reference, changed)
