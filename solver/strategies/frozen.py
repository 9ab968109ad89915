"""``frozen``: baseline steps starting before now + fence keep resource and start; the rest is
solved afresh. The fence is ``settings.frozen``, or one day when that is zero."""

from __future__ import annotations

from datetime import timedelta

from solver.changes.rolling import freeze
from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.solve.search import plan as solve_plan

DEFAULT_FENCE = timedelta(days=1)


class Frozen:
    name = "frozen"

    def replan(self, plant: Plant, baseline: Plan, now: int, changed: list[str]) -> Plan:
        settings = plant.settings
        fence = plant.grid.duration_ticks((settings.frozen or DEFAULT_FENCE).total_seconds())
        frozen = freeze(plant, baseline, now, fence, set(changed))
        # Judged against the plant it was given, where the frozen steps are not in progress.
        return solve_plan(frozen).pinned_only_at(plant.pins)
